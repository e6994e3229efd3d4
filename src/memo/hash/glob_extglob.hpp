#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "memo/hash/glob_class.hpp"

namespace memo::hash::glob {

// Whether s[i] opens an extglob: one of '@', '!', '?', '*', '+' right before '('.
bool opens_extglob(std::string_view s, std::size_t i);

// One path segment with extglobs, as micromatch (and bash's extglob) write them: "@(a|b)"
// exactly one of the alternatives, "?(a|b)" zero or one, "*(a|b)" zero or more, "+(a|b)" one
// or more, "!(a|b)" any text none of them matches; alternatives nest and may hold '*', '?',
// classes and escapes. Matching computes the set of reachable offsets, remembering what each
// extglob reaches from each offset, so time stays polynomial in the lengths whatever the
// pattern (a backtracking matcher is exponential on "*(*(a|aa))b" and the like).
class ExtglobSegment {
 public:
  static std::expected<ExtglobSegment, std::string> compile(std::string_view raw);

  bool matches(std::string_view text) const;

  enum class Kind : std::uint8_t {
    kChar,
    kAny,
    kStar,
    kClass,
    kOne,       // @(...)
    kOptional,  // ?(...)
    kMany,      // *(...)
    kSome,      // +(...)
    kNone,      // !(...)
  };
  struct Node {
    Kind kind;
    char ch = 0;
    std::uint32_t index = 0;  // kClass: into classes_; extglobs: their number
    std::vector<std::vector<Node>> alternatives;
  };

 private:
  friend class ExtglobParser;
  friend class ExtglobMatcher;

  std::vector<Node> sequence_;
  std::vector<CharClass> classes_;
  std::uint32_t extglobs_ = 0;
};

}  // namespace memo::hash::glob
