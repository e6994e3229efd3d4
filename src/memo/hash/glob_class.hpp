#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memo::hash::glob {

inline constexpr std::size_t npos = std::string_view::npos;

// Decodes the UTF-8 sequence at s[i] into *cp and returns its length in bytes. A malformed
// sequence counts as a single char whose value is the byte itself.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t* cp);
std::size_t utf8_length(std::string_view s, std::size_t i);

// Index of the ']' closing the class opened by s[open] == '[', or npos. A ']' right after the
// '[' (or after "[!" / "[^") is a member, as in POSIX, and "[:name:]" is one member.
std::size_t class_end(std::string_view s, std::size_t open);

// A bracket expression: "[abc]", "[a-z]", "[!a]", "[^a]", POSIX classes ("[[:digit:]_]").
// Never matches '/'.
class CharClass {
 public:
  // `body` is the text between '[' and ']'; an unknown POSIX class name is an error.
  static std::expected<CharClass, std::string> parse(std::string_view body);

  bool contains(char32_t c) const;

 private:
  CharClass() = default;
  static char32_t next_member(std::string_view body, std::size_t& j);
  void add(char32_t lo, char32_t hi);
  bool add_posix(std::string_view name);

  std::array<std::uint64_t, 2> ascii_{};
  std::vector<std::pair<char32_t, char32_t>> wide_;
  bool negated_ = false;
};

}  // namespace memo::hash::glob
