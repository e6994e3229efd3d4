#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace memo::hash {

// A compiled list of globs in the style of globby/micromatch with dot:true, as used by
// backfill/lage's outputGlob and hashGlobs. Patterns starting with '!' are negations.
// A path matches the set iff it matches at least one positive pattern and no negation
// (order of patterns does not matter, like globby).
//
// Syntax: `*` (any run of chars within a segment), `?` (one char), `[abc]`, `[a-z]`, `[!a]`,
// `[^a]`, POSIX classes (`[[:digit:]]`), `{a,b}` (nested allowed, expanded at compile time),
// extglobs within a segment (`@(a|b)`, `?(a|b)`, `*(a|b)`, `+(a|b)`, `!(a|b)`, nested; a
// leading "!(" is an extglob, not a negation), `**` as a whole segment (zero or more segments;
// one or more when it is the last segment, so `lib/**` does not match `lib`), `\` escapes the
// next char, a leading "./" is stripped (and a leading "/" too, as LeadingSlash says) and a
// trailing '/' means "/**". Matching is polynomial in the lengths of pattern and path, never
// exponential. What a leading '/' means: an error (the globs are relative to a package, and "/x"
// would read as a path from the file system's root), or the folder the globs are relative to (the
// repo root for environmentGlob, as lage writes "/package.json").
enum class LeadingSlash { kError, kBaseFolder };

class GlobSet {
 public:
  // An empty set, which matches nothing.
  GlobSet() = default;

  // Returns an error message naming the bad pattern for malformed input
  // (unbalanced '[', '{' or extglob '(', a '/' inside an extglob, an unknown POSIX class, an
  // absolute pattern "/x" unless `leading_slash` says otherwise, an empty pattern, a pattern
  // containing a ".." segment, or braces expanding to too many alternatives).
  static std::expected<GlobSet, std::string> compile(
      const std::vector<std::string>& patterns, LeadingSlash leading_slash = LeadingSlash::kError);

  // `path` is relative, '/'-separated, no leading "./" and no trailing '/'.
  bool matches(std::string_view path) const;

  // True when some file below directory `dir` (relative, '/'-separated; "" = the root) could
  // match a positive pattern; used to prune directory walks. May answer true conservatively but
  // never answers false when a file below could match. Negations are ignored except those ending
  // in "/**" whose prefix matches `dir` or one of its ancestors, which prune.
  bool may_match_below(std::string_view dir) const;

  // True only when every file below directory `dir` matches: a positive pattern "p/**" with p
  // matching `dir` or one of its ancestors, and no negation that could match below it. Used to
  // leave a whole output folder unlisted. May answer false conservatively.
  bool matches_everything_below(std::string_view dir) const;

  bool has_positive() const;
  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  struct Impl;

  std::vector<std::string> patterns_;
  std::shared_ptr<const Impl> impl_;  // Immutable, so copies of a GlobSet share it.
};

}  // namespace memo::hash
