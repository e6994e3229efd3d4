#include "memo/hash/manifest.hpp"

#include <algorithm>

#include "memo/hash/manifest_diff.hpp"
#include "memo/util/digest.hpp"

namespace memo::hash {

void append_quoted(std::string& out, std::string_view field) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += '"';
  for (char c : field) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string quote_field(std::string_view field) {
  std::string out;
  append_quoted(out, field);
  return out;
}

void append_manifest_line(std::string& out, std::string_view kind,
                          std::initializer_list<std::string_view> fields) {
  out += kind;
  for (auto field : fields) {
    out += ' ';
    append_quoted(out, field);
  }
  out += '\n';
}

void KeyManifest::add(std::string_view kind, std::initializer_list<std::string_view> fields) {
  std::string line;
  append_manifest_line(line, kind, fields);
  blocks_.push_back(std::move(line));
}

void KeyManifest::add_lines(std::string lines) {
  if (!lines.empty()) blocks_.push_back(std::move(lines));
}

void KeyManifest::append(KeyManifest&& other) {
  blocks_.insert(blocks_.end(), std::make_move_iterator(other.blocks_.begin()),
                 std::make_move_iterator(other.blocks_.end()));
  other.blocks_.clear();
}

std::string KeyManifest::text() const {
  return "memo-key-manifest " + std::to_string(kKeyFormatVersion) + "\n" + sorted_lines();
}

std::string KeyManifest::sorted_lines() const {
  std::vector<std::string_view> lines;
  std::size_t size = 0;
  for (const auto& block : blocks_) {
    size += block.size();
    std::string_view rest = block;
    while (!rest.empty()) {
      std::size_t newline = std::min(rest.find('\n'), rest.size());
      lines.push_back(rest.substr(0, newline));
      rest.remove_prefix(std::min(newline + 1, rest.size()));
    }
  }
  // Lines arrive as long sorted runs (a package's files come sorted from its walk): merging the
  // runs costs far less than sorting 100,000 lines from scratch.
  std::vector<std::size_t> bounds{0};
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i] < lines[i - 1]) bounds.push_back(i);
  }
  bounds.push_back(lines.size());
  while (bounds.size() > 2) {
    std::vector<std::size_t> merged{0};
    for (std::size_t r = 0; r + 1 < bounds.size(); r += 2) {
      std::size_t end = r + 2 < bounds.size() ? bounds[r + 2] : bounds[r + 1];
      if (r + 2 < bounds.size()) {
        std::inplace_merge(lines.begin() + static_cast<std::ptrdiff_t>(bounds[r]),
                           lines.begin() + static_cast<std::ptrdiff_t>(bounds[r + 1]),
                           lines.begin() + static_cast<std::ptrdiff_t>(end));
      }
      merged.push_back(end);
    }
    bounds = std::move(merged);
  }
  std::string text;
  text.reserve(size);
  for (auto line : lines) {
    text += line;
    text += '\n';
  }
  return text;
}

std::string KeyManifest::key() const {
  return util::sha256_hex(text());
}

std::string expand_manifest(std::string_view manifest, const PartLookup& part_lines) {
  const std::string header = "memo-key-manifest " + std::to_string(kKeyFormatVersion) + "\n";
  if (!manifest.starts_with(header)) return std::string(manifest);
  KeyManifest expanded;
  std::string_view rest = manifest.substr(header.size());
  while (!rest.empty()) {
    std::size_t end = std::min(rest.find('\n'), rest.size());
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    std::optional<std::string> part;
    std::vector<std::string> fields;
    if (line.starts_with("dependency ")) {
      fields = split_manifest_line(line);
      if (fields.size() == 4) part = part_lines(fields[3]);
    }
    if (part) {
      expanded.add("dependency", {fields[1], fields[2]});
      expanded.add_lines(std::move(*part));
    } else {
      expanded.add_lines(std::string(line) + "\n");
    }
  }
  return expanded.text();
}

}  // namespace memo::hash
