#include "memo/store/remote/s3_xml.hpp"

#include <cstdlib>
#include <utility>

namespace memo::store::remote {

namespace {

void append_utf8(std::string& out, unsigned long code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x110000) {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// The character `entity` ("amp", "#34", "#x22") stands for, appended to `out`; false when it
// is none of those.
bool append_entity(std::string& out, std::string_view entity) {
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  for (auto [named, character] : kNamed) {
    if (entity == named) {
      out += character;
      return true;
    }
  }
  if (entity.size() < 2 || entity[0] != '#') return false;
  const bool hex = entity[1] == 'x' || entity[1] == 'X';
  std::string digits(entity.substr(hex ? 2 : 1));
  if (digits.empty() || digits.size() > 8) return false;
  char* end = nullptr;
  unsigned long code = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
  if (*end != '\0') return false;
  append_utf8(out, code);
  return true;
}

std::string decoded(std::string_view text) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t amp = text.find('&', at);
    out += text.substr(at, amp - at);
    if (amp == std::string_view::npos) break;
    std::size_t semicolon = text.find(';', amp);
    if (semicolon == std::string_view::npos ||
        !append_entity(out, text.substr(amp + 1, semicolon - amp - 1))) {
      out += '&';
      at = amp + 1;
      continue;
    }
    at = semicolon + 1;
  }
  return out;
}

}  // namespace

std::string xml_element_text(std::string_view xml, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  std::size_t start = xml.find(open);
  if (start == std::string_view::npos) return "";
  start += open.size();
  std::size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return "";
  return decoded(xml.substr(start, end - start));
}

std::string xml_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace memo::store::remote
