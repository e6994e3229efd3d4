#include "memo/hash/manifest.hpp"

#include <algorithm>

#include "memo/util/digest.hpp"

namespace memo::hash {

std::string quote_field(std::string_view field) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\"";
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
  return out;
}

void KeyManifest::add(std::string_view kind, std::initializer_list<std::string_view> fields) {
  std::string line(kind);
  for (auto field : fields) {
    line += ' ';
    line += quote_field(field);
  }
  lines_.push_back(std::move(line));
}

void KeyManifest::append(KeyManifest&& other) {
  lines_.insert(lines_.end(), std::make_move_iterator(other.lines_.begin()),
                std::make_move_iterator(other.lines_.end()));
  other.lines_.clear();
}

std::string KeyManifest::text() {
  // Lines arrive as long sorted runs (a package's files come sorted from its walk): merging the
  // runs costs far less than sorting 100,000 lines from scratch.
  std::vector<std::size_t> bounds{0};
  for (std::size_t i = 1; i < lines_.size(); ++i) {
    if (lines_[i] < lines_[i - 1]) bounds.push_back(i);
  }
  bounds.push_back(lines_.size());
  while (bounds.size() > 2) {
    std::vector<std::size_t> merged{0};
    for (std::size_t r = 0; r + 1 < bounds.size(); r += 2) {
      std::size_t end = r + 2 < bounds.size() ? bounds[r + 2] : bounds[r + 1];
      if (r + 2 < bounds.size()) {
        std::inplace_merge(lines_.begin() + static_cast<std::ptrdiff_t>(bounds[r]),
                           lines_.begin() + static_cast<std::ptrdiff_t>(bounds[r + 1]),
                           lines_.begin() + static_cast<std::ptrdiff_t>(end));
      }
      merged.push_back(end);
    }
    bounds = std::move(merged);
  }
  std::string text = "memo-key-manifest " + std::to_string(kEntryFormatVersion) + "\n";
  std::size_t size = text.size();
  for (const auto& line : lines_) size += line.size() + 1;
  text.reserve(size);
  for (const auto& line : lines_) {
    text += line;
    text += '\n';
  }
  return text;
}

std::string KeyManifest::key() { return util::sha256_hex(text()); }

}  // namespace memo::hash
