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

std::string KeyManifest::text() const {
  std::vector<std::string> sorted = lines_;
  std::sort(sorted.begin(), sorted.end());
  std::string text = "memo-key-manifest " + std::to_string(kEntryFormatVersion) + "\n";
  for (const auto& line : sorted) {
    text += line;
    text += '\n';
  }
  return text;
}

std::string KeyManifest::key() const { return util::sha256_hex(text()); }

}  // namespace memo::hash
