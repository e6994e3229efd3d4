#include "memo/hash/glob_class.hpp"

#include <algorithm>

namespace memo::hash::glob {

namespace {

struct Range {
  char32_t lo, hi;
};

// The POSIX classes picomatch knows, in ASCII.
std::vector<Range> posix_ranges(std::string_view name) {
  if (name == "alnum") return {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}};
  if (name == "alpha") return {{'A', 'Z'}, {'a', 'z'}};
  if (name == "ascii") return {{0, 127}};
  if (name == "blank") return {{' ', ' '}, {'\t', '\t'}};
  if (name == "cntrl") return {{0, 31}, {127, 127}};
  if (name == "digit") return {{'0', '9'}};
  if (name == "graph") return {{33, 126}};
  if (name == "lower") return {{'a', 'z'}};
  if (name == "print") return {{32, 126}};
  if (name == "punct") return {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}};
  if (name == "space") return {{' ', ' '}, {'\t', '\r'}};
  if (name == "upper") return {{'A', 'Z'}};
  if (name == "word") return {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}, {'_', '_'}};
  if (name == "xdigit") return {{'0', '9'}, {'A', 'F'}, {'a', 'f'}};
  return {};
}

// At s[i] == '[' followed by ':', the index just past the closing ":]", or npos.
std::size_t posix_end(std::string_view s, std::size_t i) {
  if (i + 1 >= s.size() || s[i + 1] != ':') return npos;
  const std::size_t close = s.find(":]", i + 2);
  return close == npos ? npos : close + 2;
}

}  // namespace

std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t* cp) {
  const auto lead = static_cast<unsigned char>(s[i]);
  *cp = lead;
  const std::size_t extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + extra >= s.size()) return 1;
  char32_t value = lead & (0x7F >> (extra + 1));
  for (std::size_t k = 1; k <= extra; ++k) {
    const auto byte = static_cast<unsigned char>(s[i + k]);
    if ((byte & 0xC0) != 0x80) return 1;
    value = (value << 6) | (byte & 0x3F);
  }
  *cp = value;
  return extra + 1;
}

std::size_t utf8_length(std::string_view s, std::size_t i) {
  char32_t ignored;
  return decode_utf8(s, i, &ignored);
}

std::size_t class_end(std::string_view s, std::size_t open) {
  std::size_t i = open + 1;
  if (i < s.size() && (s[i] == '!' || s[i] == '^')) ++i;
  if (i < s.size() && s[i] == ']') ++i;
  while (i < s.size()) {
    if (s[i] == '\\') {
      i += 2;
    } else if (s[i] == ']') {
      return i;
    } else if (s[i] == '[' && posix_end(s, i) != npos) {
      i = posix_end(s, i);
    } else {
      ++i;
    }
  }
  return npos;
}

std::expected<CharClass, std::string> CharClass::parse(std::string_view body) {
  CharClass cls;
  std::size_t j = 0;
  if (!body.empty() && (body[0] == '!' || body[0] == '^')) {
    cls.negated_ = true;
    j = 1;
  }
  while (j < body.size()) {
    if (const std::size_t end = posix_end(body, j); body[j] == '[' && end != npos) {
      const std::string_view name = body.substr(j + 2, end - j - 4);
      if (!cls.add_posix(name)) {
        return std::unexpected("unknown class [:" + std::string(name) + ":]");
      }
      j = end;
      continue;
    }
    const char32_t lo = next_member(body, j);
    if (j + 1 < body.size() && body[j] == '-') {
      ++j;
      cls.add(lo, next_member(body, j));
    } else {
      cls.add(lo, lo);
    }
  }
  return cls;
}

bool CharClass::contains(char32_t c) const {
  bool in;
  if (c < 128) {
    in = (ascii_[c >> 6] >> (c & 63)) & 1;
  } else {
    in = std::any_of(wide_.begin(), wide_.end(),
                     [c](const auto& range) { return range.first <= c && c <= range.second; });
  }
  return in != negated_ && c != '/';
}

char32_t CharClass::next_member(std::string_view body, std::size_t& j) {
  if (body[j] == '\\' && j + 1 < body.size()) ++j;
  char32_t cp;
  j += decode_utf8(body, j, &cp);
  return cp;
}

// A reversed range such as "z-a" adds nothing.
void CharClass::add(char32_t lo, char32_t hi) {
  for (char32_t c = lo; c <= hi && c < 128; ++c) ascii_[c >> 6] |= std::uint64_t{1} << (c & 63);
  if (hi >= 128 && lo <= hi) wide_.emplace_back(std::max<char32_t>(lo, 128), hi);
}

bool CharClass::add_posix(std::string_view name) {
  const std::vector<Range> ranges = posix_ranges(name);
  for (const Range& range : ranges) add(range.lo, range.hi);
  return !ranges.empty();
}

}  // namespace memo::hash::glob
