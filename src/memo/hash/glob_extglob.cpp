#include "memo/hash/glob_extglob.hpp"

#include <bit>
#include <optional>
#include <utility>

namespace memo::hash::glob {

namespace {

using Node = ExtglobSegment::Node;
using Kind = ExtglobSegment::Kind;

Kind extglob_kind(char c) {
  switch (c) {
    case '@':
      return Kind::kOne;
    case '?':
      return Kind::kOptional;
    case '*':
      return Kind::kMany;
    case '+':
      return Kind::kSome;
    default:
      return Kind::kNone;
  }
}

// A set of offsets 0..n into a segment's text.
class Positions {
 public:
  explicit Positions(std::size_t n) : words_(n / 64 + 1) {}

  void set(std::size_t i) { words_[i / 64] |= std::uint64_t{1} << (i % 64); }
  bool test(std::size_t i) const { return (words_[i / 64] >> (i % 64)) & 1; }
  void add(const Positions& other) {
    for (std::size_t w = 0; w < words_.size(); ++w) words_[w] |= other.words_[w];
  }
  void remove(const Positions& other) {
    for (std::size_t w = 0; w < words_.size(); ++w) words_[w] &= ~other.words_[w];
  }
  // Keeps only the offsets at or after `first` that are also in `mask`.
  void fill_from(std::size_t first, const Positions& mask) {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      const std::size_t base = w * 64;
      std::uint64_t keep = ~std::uint64_t{0};
      if (first >= base + 64)
        keep = 0;
      else if (first > base)
        keep <<= (first - base);
      words_[w] = keep & mask.words_[w];
    }
  }
  std::size_t first() const {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      if (words_[w]) return w * 64 + static_cast<std::size_t>(std::countr_zero(words_[w]));
    }
    return npos;
  }
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      for (std::uint64_t bits = words_[w]; bits; bits &= bits - 1) {
        f(w * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
      }
    }
  }

 private:
  std::vector<std::uint64_t> words_;
};

}  // namespace

bool opens_extglob(std::string_view s, std::size_t i) {
  const char c = s[i];
  return (c == '@' || c == '!' || c == '?' || c == '*' || c == '+') && i + 1 < s.size() &&
         s[i + 1] == '(';
}

class ExtglobParser {
 public:
  ExtglobParser(std::string_view raw, ExtglobSegment& out) : raw_(raw), out_(out) {}

  std::expected<std::vector<Node>, std::string> sequence(bool inside) {
    std::vector<Node> seq;
    while (pos_ < raw_.size()) {
      const char c = raw_[pos_];
      if (inside && (c == '|' || c == ')')) return seq;
      if (opens_extglob(raw_, pos_)) {
        auto node = extglob();
        if (!node) return std::unexpected(node.error());
        seq.push_back(std::move(*node));
      } else if (c == '[') {
        auto node = char_class();
        if (!node) return std::unexpected(node.error());
        seq.push_back(std::move(*node));
      } else {
        add_simple(seq, c);
      }
    }
    if (inside) return std::unexpected("unbalanced '('");
    return seq;
  }

 private:
  void add_simple(std::vector<Node>& seq, char c) {
    ++pos_;
    if (c == '\\') {
      // A trailing backslash stands for itself.
      seq.push_back({Kind::kChar, pos_ < raw_.size() ? raw_[pos_++] : '\\'});
    } else if (c == '*') {
      if (seq.empty() || seq.back().kind != Kind::kStar) seq.push_back({Kind::kStar});
    } else if (c == '?') {
      seq.push_back({Kind::kAny});
    } else {
      seq.push_back({Kind::kChar, c});
    }
  }

  std::expected<Node, std::string> char_class() {
    const std::size_t close = class_end(raw_, pos_);
    if (close == npos) return std::unexpected("unbalanced '['");
    auto cls = CharClass::parse(raw_.substr(pos_ + 1, close - pos_ - 1));
    if (!cls) return std::unexpected(cls.error());
    out_.classes_.push_back(std::move(*cls));
    pos_ = close + 1;
    return Node{Kind::kClass, 0, static_cast<std::uint32_t>(out_.classes_.size() - 1)};
  }

  std::expected<Node, std::string> extglob() {
    Node node{extglob_kind(raw_[pos_]), 0, out_.extglobs_++};
    pos_ += 2;
    while (true) {
      auto alternative = sequence(true);
      if (!alternative) return std::unexpected(alternative.error());
      node.alternatives.push_back(std::move(*alternative));
      if (raw_[pos_++] == ')') return node;  // else '|': another alternative
    }
  }

  std::string_view raw_;
  ExtglobSegment& out_;
  std::size_t pos_ = 0;
};

// One match of one text: the offsets each extglob reaches from each offset, computed once.
class ExtglobMatcher {
 public:
  ExtglobMatcher(const ExtglobSegment& segment, std::string_view text)
      : segment_(segment),
        text_(text),
        n_(text.size()),
        boundaries_(n_),
        once_(segment.extglobs_ * (n_ + 1)),
        ends_(segment.extglobs_ * (n_ + 1)) {
    for (std::size_t i = 0; i <= n_; ++i) {
      if (i == n_ || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) boundaries_.set(i);
    }
  }

  bool matches() {
    Positions start(n_);
    start.set(0);
    return run(segment_.sequence_, std::move(start)).test(n_);
  }

 private:
  Positions run(const std::vector<Node>& seq, Positions from) {
    for (const Node& node : seq) {
      if (from.first() == npos) break;
      from = step(node, from);
    }
    return from;
  }

  Positions step(const Node& node, const Positions& from) {
    Positions to(n_);
    switch (node.kind) {
      case Kind::kStar:
        to.fill_from(from.first(), boundaries_);
        break;
      case Kind::kChar:
        from.for_each([&](std::size_t p) {
          if (p < n_ && text_[p] == node.ch) to.set(p + 1);
        });
        break;
      case Kind::kAny:
      case Kind::kClass:
        from.for_each([&](std::size_t p) {
          if (p >= n_) return;
          char32_t cp;
          const std::size_t length = decode_utf8(text_, p, &cp);
          if (node.kind == Kind::kAny || segment_.classes_[node.index].contains(cp)) {
            to.set(p + length);
          }
        });
        break;
      default:
        from.for_each([&](std::size_t p) { to.add(ends(node, p)); });
        break;
    }
    return to;
  }

  // Where one alternative of `node` can end, starting at p.
  const Positions& once(const Node& node, std::size_t p) {
    std::optional<Positions>& slot = once_[node.index * (n_ + 1) + p];
    if (!slot) {
      Positions result(n_);
      for (const auto& alternative : node.alternatives) {
        Positions start(n_);
        start.set(p);
        result.add(run(alternative, std::move(start)));
      }
      slot = std::move(result);
    }
    return *slot;
  }

  // Where the whole extglob `node` can end, starting at p.
  const Positions& ends(const Node& node, std::size_t p) {
    std::optional<Positions>& slot = ends_[node.index * (n_ + 1) + p];
    if (slot) return *slot;
    Positions result = once(node, p);
    switch (node.kind) {
      case Kind::kOptional:
        result.set(p);
        break;
      case Kind::kMany:
      case Kind::kSome:
        // Each alternative only reaches offsets at or after its start: one ascending pass
        // closes the set.
        if (node.kind == Kind::kMany) result.set(p);
        for (std::size_t q = p; q <= n_; ++q) {
          if (result.test(q)) result.add(once(node, q));
        }
        break;
      case Kind::kNone: {
        Positions others(n_);
        others.fill_from(p, boundaries_);
        others.remove(result);
        result = std::move(others);
        break;
      }
      default:
        break;
    }
    slot = std::move(result);
    return *slot;
  }

  const ExtglobSegment& segment_;
  std::string_view text_;
  std::size_t n_;
  Positions boundaries_;
  std::vector<std::optional<Positions>> once_;
  std::vector<std::optional<Positions>> ends_;
};

std::expected<ExtglobSegment, std::string> ExtglobSegment::compile(std::string_view raw) {
  ExtglobSegment segment;
  auto sequence = ExtglobParser(raw, segment).sequence(false);
  if (!sequence) return std::unexpected(sequence.error());
  segment.sequence_ = std::move(*sequence);
  return segment;
}

bool ExtglobSegment::matches(std::string_view text) const {
  return ExtglobMatcher(*this, text).matches();
}

}  // namespace memo::hash::glob
