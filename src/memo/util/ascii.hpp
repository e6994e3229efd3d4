#pragma once

#include <string>
#include <string_view>

namespace memo::util {

// Whether `c` is an ASCII control character: below 0x20, or DEL (0x7f).
inline bool is_ascii_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

// `text` with A-Z turned into a-z, every other byte as it is (no locale).
inline std::string ascii_lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

}  // namespace memo::util
