#include "memo/hash/glob.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "memo/hash/glob_class.hpp"
#include "memo/hash/glob_extglob.hpp"

namespace memo::hash {
namespace {

// Keeps patterns like "{a,b}{c,d}{e,f}..." from expanding without bound.
constexpr std::size_t kMaxExpansions = 4096;

using glob::CharClass;
using glob::class_end;
using glob::decode_utf8;
using glob::ExtglobSegment;
using glob::npos;
using glob::utf8_length;

enum class Op : std::uint8_t { kChar, kAny, kStar, kClass };

struct Token {
  Op op;
  char ch = 0;            // kChar
  std::uint32_t cls = 0;  // kClass: index into Segment::classes
};

enum class SegmentKind : std::uint8_t {
  kLiteral,   // text
  kGlobStar,  // "**"
  kAnything,  // "*"
  kPrefix,    // text + "*"
  kSuffix,    // "*" + text
  kTokens,
  kExtglob,
};

struct Segment {
  SegmentKind kind = SegmentKind::kLiteral;
  std::string text;
  std::vector<Token> tokens;
  std::vector<CharClass> classes;
  std::optional<ExtglobSegment> extglob;  // kExtglob
};

struct Pattern {
  std::vector<Segment> segments;
  std::optional<std::string> literal;  // The whole pattern, when it has no wildcard at all.
};

// Classic single-backtrack-point wildcard matching; correct because every token but '*'
// consumes exactly one char.
bool match_tokens(const Segment& seg, std::string_view s) {
  const std::vector<Token>& tokens = seg.tokens;
  std::size_t ti = 0;
  std::size_t si = 0;
  std::size_t star_ti = npos;
  std::size_t star_si = 0;
  while (si < s.size()) {
    if (ti < tokens.size()) {
      const Token& t = tokens[ti];
      if (t.op == Op::kStar) {
        star_ti = ti++;
        star_si = si;
        continue;
      }
      if (t.op == Op::kChar) {
        if (s[si] == t.ch) {
          ++ti;
          ++si;
          continue;
        }
      } else {
        char32_t cp;
        const std::size_t len = decode_utf8(s, si, &cp);
        if (t.op == Op::kAny || seg.classes[t.cls].contains(cp)) {
          ++ti;
          si += len;
          continue;
        }
      }
    }
    if (star_ti == npos) return false;
    ti = star_ti + 1;
    star_si += utf8_length(s, star_si);
    si = star_si;
  }
  while (ti < tokens.size() && tokens[ti].op == Op::kStar) ++ti;
  return ti == tokens.size();
}

bool match_segment(const Segment& seg, std::string_view s) {
  switch (seg.kind) {
    case SegmentKind::kLiteral:
      return s == seg.text;
    case SegmentKind::kGlobStar:
    case SegmentKind::kAnything:
      return true;
    case SegmentKind::kPrefix:
      return s.starts_with(seg.text);
    case SegmentKind::kSuffix:
      return s.ends_with(seg.text);
    case SegmentKind::kTokens:
      return match_tokens(seg, s);
    case SegmentKind::kExtglob:
      return seg.extglob->matches(s);
  }
  return false;
}

// Matches whole segments of `path`, with a single backtrack point for the latest "**" (the
// same argument as for '*' holds, as every other segment consumes exactly one path segment).
// A final "**" needs at least one segment when `final_globstar_needs_one` is set.
bool match_path(std::span<const Segment> segs, bool final_globstar_needs_one,
                std::string_view path) {
  const std::size_t end = path.size() + 1;  // Position past the last segment.
  const std::size_t n = segs.size();
  std::size_t pos = path.empty() ? end : 0;
  std::size_t pi = 0;
  std::size_t star_pi = npos;
  std::size_t star_pos = 0;
  while (true) {
    if (pi < n) {
      const Segment& seg = segs[pi];
      if (seg.kind == SegmentKind::kGlobStar) {
        // Backtracking an earlier "**" could only leave fewer segments here.
        if (pi + 1 == n) return !final_globstar_needs_one || pos != end;
        star_pi = pi++;
        star_pos = pos;
        continue;
      }
      if (pos != end) {
        std::size_t stop = path.find('/', pos);
        if (stop == npos) stop = path.size();
        if (match_segment(seg, path.substr(pos, stop - pos))) {
          ++pi;
          pos = stop + 1;
          continue;
        }
      }
    } else if (pos == end) {
      return true;
    }
    if (star_pi == npos || star_pos == end) return false;
    const std::size_t stop = path.find('/', star_pos);
    star_pos = stop == npos ? end : stop + 1;
    pos = star_pos;
    pi = star_pi + 1;
  }
}

bool match_pattern(const Pattern& p, std::string_view path) {
  if (p.literal) return path == *p.literal;
  return match_path(p.segments, true, path);
}

// Whether some path "dir/x[/...]" can match `p`. Once a "**" is reached it can absorb the rest
// of `dir`, leaving at least one pattern segment for what lies below.
bool could_match_below(const Pattern& p, std::string_view dir) {
  const std::size_t end = dir.size() + 1;
  std::size_t pos = dir.empty() ? end : 0;
  for (const Segment& seg : p.segments) {
    if (pos == end || seg.kind == SegmentKind::kGlobStar) return true;
    std::size_t stop = dir.find('/', pos);
    if (stop == npos) stop = dir.size();
    if (!match_segment(seg, dir.substr(pos, stop - pos))) return false;
    pos = stop + 1;
  }
  return false;
}

// Expands brace alternatives into `out`; returns an error message or "".
std::string expand_braces(const std::string& s, std::vector<std::string>& out) {
  std::size_t open = npos;
  for (std::size_t i = 0; i < s.size() && open == npos; ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '[') {
      i = class_end(s, i);
      if (i == npos) return "unbalanced '['";
    } else if (s[i] == '{') {
      open = i;
    }
  }
  if (open == npos) {
    if (out.size() >= kMaxExpansions) return "too many brace expansions";
    out.push_back(s);
    return {};
  }

  std::vector<std::size_t> commas;
  std::size_t close = npos;
  int depth = 0;
  for (std::size_t i = open + 1; i < s.size() && close == npos; ++i) {
    const char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (c == '[') {
      i = class_end(s, i);
      if (i == npos) return "unbalanced '['";
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (depth == 0) {
        close = i;
      } else {
        --depth;
      }
    } else if (c == ',' && depth == 0) {
      commas.push_back(i);
    }
  }
  if (close == npos) return "unbalanced '{'";
  commas.push_back(close);

  const std::string_view whole = s;
  const std::string_view prefix = whole.substr(0, open);
  const std::string_view suffix = whole.substr(close + 1);
  std::size_t start = open + 1;
  for (const std::size_t stop : commas) {
    std::string alternative;
    alternative.reserve(prefix.size() + (stop - start) + suffix.size());
    alternative.append(prefix).append(whole.substr(start, stop - start)).append(suffix);
    if (std::string err = expand_braces(alternative, out); !err.empty()) return err;
    start = stop + 1;
  }
  return {};
}

bool has_extglob(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\') {
      ++i;
    } else if (raw[i] == '[') {
      i = class_end(raw, i);
      if (i == npos) return false;
    } else if (glob::opens_extglob(raw, i)) {
      return true;
    }
  }
  return false;
}

std::expected<Segment, std::string> compile_segment(std::string_view raw) {
  Segment seg;
  if (raw == "**") {
    seg.kind = SegmentKind::kGlobStar;
    return seg;
  }
  if (has_extglob(raw)) {
    auto extglob = ExtglobSegment::compile(raw);
    if (!extglob) return std::unexpected(extglob.error());
    seg.kind = SegmentKind::kExtglob;
    seg.extglob = std::move(*extglob);
    return seg;
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\') {
      // A trailing backslash stands for itself.
      seg.tokens.push_back({Op::kChar, i + 1 < raw.size() ? raw[++i] : '\\'});
    } else if (c == '*') {
      if (seg.tokens.empty() || seg.tokens.back().op != Op::kStar)
        seg.tokens.push_back({Op::kStar});
    } else if (c == '?') {
      seg.tokens.push_back({Op::kAny});
    } else if (c == '[') {
      const std::size_t close = class_end(raw, i);  // Validated by the caller.
      auto cls = CharClass::parse(raw.substr(i + 1, close - i - 1));
      if (!cls) return std::unexpected(cls.error());
      seg.classes.push_back(std::move(*cls));
      seg.tokens.push_back({Op::kClass, 0, static_cast<std::uint32_t>(seg.classes.size() - 1)});
      i = close;
    } else {
      seg.tokens.push_back({Op::kChar, c});
    }
  }

  const auto is_char = [](const Token& t) { return t.op == Op::kChar; };
  const auto chars = [](std::span<const Token> tokens) {
    std::string text;
    for (const Token& t : tokens) text.push_back(t.ch);
    return text;
  };
  const std::span<const Token> tokens = seg.tokens;
  if (std::all_of(tokens.begin(), tokens.end(), is_char)) {
    seg.kind = SegmentKind::kLiteral;
    seg.text = chars(tokens);
  } else if (tokens.size() == 1 && tokens[0].op == Op::kStar) {
    seg.kind = SegmentKind::kAnything;
  } else if (tokens[0].op == Op::kStar && std::all_of(tokens.begin() + 1, tokens.end(), is_char)) {
    seg.kind = SegmentKind::kSuffix;
    seg.text = chars(tokens.subspan(1));
  } else if (tokens.back().op == Op::kStar &&
             std::all_of(tokens.begin(), tokens.end() - 1, is_char)) {
    seg.kind = SegmentKind::kPrefix;
    seg.text = chars(tokens.first(tokens.size() - 1));
  } else {
    seg.kind = SegmentKind::kTokens;
    return seg;
  }
  seg.tokens.clear();
  seg.classes.clear();
  return seg;
}

// The '/'-separated pieces of `s`; a '/' inside a class or an extglob is an error or part of
// it, as it cannot be matched within one segment.
std::expected<std::vector<std::string_view>, std::string> split_segments(std::string_view s) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  int depth = 0;  // open extglobs
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '[') {
      i = class_end(s, i);
      if (i == npos) return std::unexpected("unbalanced '['");
    } else if (glob::opens_extglob(s, i)) {
      ++depth;
      ++i;
    } else if (s[i] == ')' && depth > 0) {
      --depth;
    } else if (s[i] == '/') {
      if (depth > 0) return std::unexpected("'/' inside an extglob");
      pieces.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (depth > 0) return std::unexpected("unbalanced '('");
  pieces.push_back(s.substr(start));
  return pieces;
}

// Compiles one brace-free pattern (without its '!').
std::expected<Pattern, std::string> compile_pattern(std::string_view s,
                                                    LeadingSlash leading_slash) {
  if (s.starts_with('/') && leading_slash == LeadingSlash::kError) {
    return std::unexpected("absolute pattern");
  }
  // Else a leading '/' is the folder the globs are relative to (lage's "/package.json").
  while (s.starts_with("./") || s.starts_with('/')) s.remove_prefix(s[0] == '/' ? 1 : 2);
  if (s.empty()) return std::unexpected("empty pattern");

  auto split = split_segments(s);
  if (!split) return std::unexpected(split.error());
  const std::vector<std::string_view>& pieces = *split;
  const bool trailing_slash = pieces.size() > 1 && pieces.back().empty();

  Pattern p;
  const auto add = [&p](Segment seg) {
    const bool repeated_globstar = seg.kind == SegmentKind::kGlobStar && !p.segments.empty() &&
                                   p.segments.back().kind == SegmentKind::kGlobStar;
    if (!repeated_globstar) p.segments.push_back(std::move(seg));
  };
  for (const std::string_view piece : pieces) {
    if (piece.empty()) continue;  // "a//b" and the trailing '/'.
    auto compiled = compile_segment(piece);
    if (!compiled) return std::unexpected(compiled.error());
    Segment seg = std::move(*compiled);
    if (seg.kind == SegmentKind::kLiteral && seg.text == ".") continue;
    if (seg.kind == SegmentKind::kLiteral && seg.text == "..") {
      return std::unexpected("\"..\" segment");
    }
    add(std::move(seg));
  }
  if (trailing_slash && !p.segments.empty()) add(*compile_segment("**"));
  if (p.segments.empty()) return std::unexpected("empty pattern");

  if (std::all_of(p.segments.begin(), p.segments.end(),
                  [](const Segment& seg) { return seg.kind == SegmentKind::kLiteral; })) {
    std::string literal;
    for (const Segment& seg : p.segments) {
      if (!literal.empty()) literal.push_back('/');
      literal += seg.text;
    }
    p.literal = std::move(literal);
  }
  return p;
}

}  // namespace

struct GlobSet::Impl {
  std::vector<Pattern> positives;
  std::vector<Pattern> negatives;
};

std::expected<GlobSet, std::string> GlobSet::compile(const std::vector<std::string>& patterns,
                                                     LeadingSlash leading_slash) {
  auto impl = std::make_shared<Impl>();
  for (const std::string& raw : patterns) {
    const auto fail = [&raw](std::string_view why) {
      return std::unexpected("invalid glob \"" + raw + "\": " + std::string(why));
    };
    std::string_view body = raw;
    bool negated = false;
    // "!(" opens an extglob, not a negation (as in fast-glob).
    while (body.starts_with('!') && !body.starts_with("!(")) {
      negated = !negated;
      body.remove_prefix(1);
    }
    if (body.empty()) return fail("empty pattern");

    std::vector<std::string> expanded;
    if (std::string err = expand_braces(std::string(body), expanded); !err.empty()) {
      return fail(err);
    }
    std::sort(expanded.begin(), expanded.end());
    expanded.erase(std::unique(expanded.begin(), expanded.end()), expanded.end());
    for (const std::string& alternative : expanded) {
      std::expected<Pattern, std::string> pattern = compile_pattern(alternative, leading_slash);
      if (!pattern) return fail(pattern.error());
      (negated ? impl->negatives : impl->positives).push_back(std::move(*pattern));
    }
  }
  GlobSet set;
  set.patterns_ = patterns;
  set.impl_ = std::move(impl);
  return set;
}

bool GlobSet::matches(std::string_view path) const {
  if (!impl_) return false;
  const auto hit = [path](const Pattern& p) { return match_pattern(p, path); };
  return std::any_of(impl_->positives.begin(), impl_->positives.end(), hit) &&
         std::none_of(impl_->negatives.begin(), impl_->negatives.end(), hit);
}

bool GlobSet::may_match_below(std::string_view dir) const {
  if (!impl_) return false;
  for (const Pattern& neg : impl_->negatives) {
    // "!p/**" excludes everything below any directory matching p.
    if (neg.segments.back().kind == SegmentKind::kGlobStar &&
        match_path(neg.segments, false, dir)) {
      return false;
    }
  }
  return std::any_of(impl_->positives.begin(), impl_->positives.end(),
                     [dir](const Pattern& p) { return could_match_below(p, dir); });
}

bool GlobSet::matches_everything_below(std::string_view dir) const {
  if (!impl_) return false;
  for (const Pattern& neg : impl_->negatives) {
    if (could_match_below(neg, dir)) return false;
  }
  // "p/**" matches every path below a directory matching p (or below one of its descendants).
  return std::any_of(impl_->positives.begin(), impl_->positives.end(), [dir](const Pattern& p) {
    return p.segments.back().kind == SegmentKind::kGlobStar && match_path(p.segments, false, dir);
  });
}

bool GlobSet::has_positive() const {
  return impl_ && !impl_->positives.empty();
}

}  // namespace memo::hash
