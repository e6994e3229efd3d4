// The YAML reader behind pnpm-lock.yaml and yarn berry's yarn.lock. yaml-cpp needs about half a
// second for a 2 MB lockfile; these files are written by two known emitters in a small subset
// of YAML, which this reads directly. Whatever falls outside the subset (anchors, block scalars,
// multi-line quoted strings, odd indentation) makes the fast reader give up, and yaml-cpp reads
// the file instead, so the result never depends on the subset being guessed right.

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <sstream>

#include "memo/workspace/lockfile_internal.hpp"

namespace memo::workspace::lockfile_detail {

namespace {

struct Unsupported {};
// Nesting beyond kMaxLockfileDepth: an answer, not a reason to try yaml-cpp.
struct TooDeep {};

LockfileError too_deep() {
  return LockfileError("nested deeper than " + std::to_string(kMaxLockfileDepth) + " levels", true);
}

// One more level of nesting while it lives; both readers go one call (or one stack entry) per
// level, so the depth is bounded before it can exhaust the stack.
class DepthGuard {
 public:
  explicit DepthGuard(int& depth) : depth_(depth) {
    if (++depth_ > kMaxLockfileDepth) throw TooDeep{};
  }
  ~DepthGuard() { --depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  int& depth_;
};

struct Line {
  int indent = 0;
  std::string_view text;  // after the indentation, without trailing blanks
};

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view trim_left(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  return text;
}

// A quoted scalar starting at text[at] (the quote), on one line; `at` ends past the closing
// quote.
std::string quoted(std::string_view text, std::size_t& at) {
  char quote = text[at++];
  std::string out;
  while (true) {
    if (at >= text.size()) throw Unsupported{};  // multi-line or unterminated
    char c = text[at++];
    if (c == quote) {
      if (quote == '\'' && at < text.size() && text[at] == '\'') {
        out += '\'';
        ++at;
        continue;
      }
      return out;
    }
    if (c != '\\' || quote == '\'') {
      out += c;
      continue;
    }
    if (at >= text.size()) throw Unsupported{};
    char escape = text[at++];
    // YAML's escapes: one character, one of four named code points, or 2, 4 or 8 hex digits.
    constexpr std::string_view kSimple = "0abt\tnvfre \"/\\";
    constexpr std::string_view kSimpleValue("\0\a\b\t\t\n\v\f\r\x1b \"/\\", 14);
    constexpr std::string_view kNamed = "N_LP";
    constexpr std::uint32_t kNamedValue[] = {0x85, 0xA0, 0x2028, 0x2029};
    constexpr std::string_view kHex = "xuU";
    if (std::size_t simple = kSimple.find(escape); simple != std::string_view::npos) {
      out += kSimpleValue[simple];
    } else if (std::size_t named = kNamed.find(escape); named != std::string_view::npos) {
      append_utf8(out, kNamedValue[named]);
    } else if (std::size_t hex = kHex.find(escape); hex != std::string_view::npos) {
      std::size_t digits = std::size_t{2} << hex;
      auto code = at + digits <= text.size() ? hex_value(text.substr(at, digits)) : std::nullopt;
      if (!code) throw Unsupported{};
      append_utf8(out, *code);
      at += digits;
    } else {
      throw Unsupported{};
    }
  }
}

YamlNode scalar_node(std::string value) {
  YamlNode node;
  node.kind = YamlNode::Kind::Scalar;
  node.scalar = std::move(value);
  return node;
}

// A plain scalar as it reads in a lockfile; the YAML null spellings become Null.
YamlNode plain_node(std::string_view text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return YamlNode{};
  }
  return scalar_node(std::string(text));
}

bool starts_with_indicator(std::string_view text) {
  // Characters YAML gives a meaning at the start of a plain scalar that the subset leaves out
  // ('?' and ':' only before a blank: "- ? " is a mapping with a complex key, "?x" is text).
  if (text.size() > 0 && (text[0] == '?' || text[0] == ':') &&
      (text.size() == 1 || is_blank(text[1])))
    return true;
  return !text.empty() && std::string_view("[]{}&*!|>%@`,").find(text[0]) != std::string_view::npos;
}

bool is_sequence_item(std::string_view text) {
  return text[0] == '-' && (text.size() == 1 || text[1] == ' ');
}

bool is_document_marker(const Line& line) {
  if (line.indent != 0 || line.text.size() < 3) return false;
  if (line.text.starts_with("---") || line.text.starts_with("...")) {
    if (line.text.size() == 3) return true;
    if (line.text[3] == ' ') throw Unsupported{};  // content after the marker
  }
  return false;
}

class FastReader {
 public:
  explicit FastReader(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    lines_.reserve(text.size() / 24);
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view raw = text.substr(start, end - start);
      start = end + 1;
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      std::size_t indent = 0;
      while (indent < raw.size() && raw[indent] == ' ') ++indent;
      std::string_view content = trim_right(raw.substr(indent));
      if (content.empty() || content[0] == '#') continue;
      if (content[0] == '\t' || content[0] == '%') throw Unsupported{};
      lines_.push_back({static_cast<int>(indent), content});
    }
  }

  std::vector<YamlNode> documents() {
    std::vector<YamlNode> documents;
    bool pending = false;  // a "---" opened a document not read yet
    while (at_ < lines_.size()) {
      if (is_document_marker(lines_[at_])) {
        if (pending) documents.emplace_back();
        pending = lines_[at_].text == "---";
        ++at_;
        continue;
      }
      documents.push_back(block(-1));
      pending = false;
      if (!at_end()) throw Unsupported{};  // a line less indented than the document's first
    }
    if (pending) documents.emplace_back();
    return documents;
  }

 private:
  bool at_end() const { return at_ >= lines_.size() || is_document_marker(lines_[at_]); }

  // The value of a key (or sequence item) at `owner_indent` whose line has nothing after the
  // colon: the more indented lines that follow, or a sequence at the same indentation.
  YamlNode block(int owner_indent) {
    if (at_end()) return YamlNode{};
    const Line& line = lines_[at_];
    if (line.indent <= owner_indent) {
      if (line.indent == owner_indent && is_sequence_item(line.text)) {
        return sequence(line.indent);
      }
      return YamlNode{};
    }
    if (is_sequence_item(line.text)) return sequence(line.indent);
    if (line.text[0] == '{' || line.text[0] == '[') {  // a flow collection on the next line
      ++at_;
      YamlNode node = inline_value(line.text);
      if (!at_end() && lines_[at_].indent > owner_indent) throw Unsupported{};
      return node;
    }
    return mapping(line.indent);
  }

  YamlNode mapping(int indent) {
    DepthGuard guard(depth_);
    YamlNode node;
    node.kind = YamlNode::Kind::Map;
    while (!at_end()) {
      const Line& line = lines_[at_];
      if (line.indent < indent) break;
      if (line.indent > indent) throw Unsupported{};
      if (is_sequence_item(line.text)) {
        // "key:\n- item" at the key's own indentation is read by block(); here it is an error
        // or something the subset does not cover.
        throw Unsupported{};
      }
      std::string_view text = line.text;
      std::string key;
      std::size_t at = 0;
      if (text[0] == '"' || text[0] == '\'') {
        key = quoted(text, at);
        while (at < text.size() && is_blank(text[at])) ++at;
        if (at >= text.size() || text[at] != ':') throw Unsupported{};
        ++at;
      } else {
        if (starts_with_indicator(text) || text[0] == '?') throw Unsupported{};
        std::size_t colon = 0;
        while (true) {
          colon = text.find(':', colon);
          if (colon == std::string_view::npos) throw Unsupported{};
          if (colon + 1 == text.size() || text[colon + 1] == ' ') break;
          ++colon;
        }
        std::string_view plain = trim_right(text.substr(0, colon));
        if (plain.find(" #") != std::string_view::npos) throw Unsupported{};
        key = std::string(plain);
        at = colon + 1;
      }
      if (at < text.size() && text[at] != ' ') throw Unsupported{};
      std::string_view rest = trim_left(text.substr(at));
      ++at_;
      if (rest.empty() || rest[0] == '#') {
        node.values.push_back(block(indent));
      } else {
        node.values.push_back(inline_value(rest));
        if (!at_end() && lines_[at_].indent > indent) throw Unsupported{};  // continuation
      }
      node.keys.push_back(std::move(key));
    }
    return node;
  }

  YamlNode sequence(int indent) {
    DepthGuard guard(depth_);
    YamlNode node;
    node.kind = YamlNode::Kind::Seq;
    while (!at_end()) {
      const Line& line = lines_[at_];
      if (line.indent != indent || !is_sequence_item(line.text)) {
        if (line.indent > indent) throw Unsupported{};
        break;
      }
      std::string_view rest = trim_left(line.text.substr(1));
      ++at_;
      if (rest.empty() || rest[0] == '#') {
        // An empty item ("-"): a "- x" at the same indent is the next item, not its value.
        node.values.push_back(at_end() || lines_[at_].indent <= indent ? YamlNode{}
                                                                       : block(indent));
        continue;
      }
      if (is_sequence_item(rest)) throw Unsupported{};  // "- - x"
      YamlNode item = inline_value(rest);
      if (item.is_scalar() && rest[0] != '"' && rest[0] != '\'' &&
          (item.scalar.find(": ") != std::string::npos || item.scalar.ends_with(":"))) {
        throw Unsupported{};  // "- key: value", a mapping inside the sequence
      }
      if (!at_end() && lines_[at_].indent > indent) throw Unsupported{};
      node.values.push_back(std::move(item));
    }
    return node;
  }

  // A value written after "key: " or "- ": a scalar on this line, or a flow collection that may
  // go on over the next lines. Leaves at_ on the line after the value.
  YamlNode inline_value(std::string_view rest) {
    char first = rest[0];
    if (first == '{' || first == '[') {
      line_ = at_ - 1;
      column_ = static_cast<std::size_t>(rest.data() - lines_[line_].text.data());
      YamlNode node = flow_value();
      skip_spaces_on_line();
      std::string_view tail = lines_[line_].text.substr(column_);
      if (!tail.empty() && tail[0] != '#') throw Unsupported{};
      at_ = line_ + 1;
      return node;
    }
    if (first == '"' || first == '\'') {
      std::size_t at = 0;
      std::string value = quoted(rest, at);
      std::string_view tail = trim_left(rest.substr(at));
      if (!tail.empty() && tail[0] != '#') throw Unsupported{};
      return scalar_node(std::move(value));
    }
    if (starts_with_indicator(rest)) throw Unsupported{};
    std::size_t comment = rest.find(" #");
    std::string_view plain = trim_right(rest.substr(0, comment));
    if (plain.find(": ") != std::string_view::npos || plain.ends_with(":")) throw Unsupported{};
    return plain_node(plain);
  }

  // Flow collections: a cursor over (line_, column_) that crosses line ends as whitespace.
  char peek() const {
    const std::string_view text = lines_[line_].text;
    if (column_ < text.size()) return text[column_];
    return line_ + 1 < lines_.size() ? '\n' : '\0';
  }

  void skip_spaces_on_line() {
    const std::string_view text = lines_[line_].text;
    while (column_ < text.size() && is_blank(text[column_])) ++column_;
  }

  void skip_whitespace() {
    while (true) {
      skip_spaces_on_line();
      if (column_ < lines_[line_].text.size()) return;
      if (line_ + 1 >= lines_.size() || is_document_marker(lines_[line_ + 1])) return;
      ++line_;
      column_ = 0;
    }
  }

  YamlNode flow_value() {
    skip_whitespace();
    char c = peek();
    if (c == '{' || c == '[') return flow_collection(c);
    const std::string_view text = lines_[line_].text;
    if (c == '"' || c == '\'') return scalar_node(quoted(text, column_));
    // A plain scalar ends at a flow indicator, at ": " and at the end of the line.
    std::size_t start = column_;
    while (column_ < text.size()) {
      char d = text[column_];
      if (d == ',' || d == '[' || d == ']' || d == '{' || d == '}') break;
      if (d == ':' &&
          (column_ + 1 == text.size() ||
           std::string_view(" ,[]{}").find(text[column_ + 1]) != std::string_view::npos)) {
        break;
      }
      if (d == '#' && column_ > start && is_blank(text[column_ - 1])) throw Unsupported{};
      ++column_;
    }
    std::string_view plain = trim_right(text.substr(start, column_ - start));
    if (starts_with_indicator(plain)) throw Unsupported{};
    return plain_node(plain);
  }

  YamlNode flow_collection(char open) {
    DepthGuard guard(depth_);
    const bool is_map = open == '{';
    const char close = is_map ? '}' : ']';
    YamlNode node;
    node.kind = is_map ? YamlNode::Kind::Map : YamlNode::Kind::Seq;
    ++column_;
    while (true) {
      skip_whitespace();
      if (peek() == close) {
        ++column_;
        return node;
      }
      if (is_map) {
        YamlNode key = flow_value();
        if (!key.is_scalar()) throw Unsupported{};
        skip_whitespace();
        YamlNode value;
        if (peek() == ':') {
          ++column_;
          skip_whitespace();
          if (peek() != ',' && peek() != close) value = flow_value();
        }
        node.keys.push_back(std::move(key.scalar));
        node.values.push_back(std::move(value));
      } else {
        node.values.push_back(flow_value());
        skip_whitespace();
        if (peek() == ':') throw Unsupported{};  // a single-pair mapping inside a sequence
      }
      skip_whitespace();
      if (peek() == ',') {
        ++column_;
      } else if (peek() != close) {
        throw Unsupported{};
      }
    }
  }

  std::vector<Line> lines_;
  std::size_t at_ = 0;
  std::size_t line_ = 0;  // flow cursor
  std::size_t column_ = 0;
  int depth_ = 0;  // collections open
};

// yaml-cpp's events to a tree. The loop over documents is ours: yaml-cpp 0.7's LoadAll() never
// ends (and allocates until memory runs out) on some invalid input such as a line starting with
// ',', where the parser reports an empty document without moving on (jbeder/yaml-cpp#1040).
class TreeBuilder : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { add(YamlNode{}, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto found = anchors_.find(anchor);
    if (found == anchors_.end()) throw YAML::ParserException(mark, "unknown alias");
    add(found->second, 0);
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    add(scalar_node(value), anchor);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(YamlNode::Kind::Seq, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(YamlNode::Kind::Map, anchor);
  }
  void OnMapEnd() override { close(); }

  YamlNode take_document() { return std::move(document_); }
  const YAML::Mark& start() const { return start_; }

 private:
  struct Open {
    YamlNode node;
    YAML::anchor_t anchor = 0;
    std::optional<std::string> key;  // a mapping's key waiting for its value
  };

  void open(YamlNode::Kind kind, YAML::anchor_t anchor) {
    if (stack_.size() >= static_cast<std::size_t>(kMaxLockfileDepth)) throw TooDeep{};
    stack_.push_back({YamlNode{}, anchor, std::nullopt});
    stack_.back().node.kind = kind;
  }

  void close() {
    Open done = std::move(stack_.back());
    stack_.pop_back();
    add(std::move(done.node), done.anchor);
  }

  void add(YamlNode node, YAML::anchor_t anchor) {
    if (anchor != 0) anchors_[anchor] = node;
    if (stack_.empty()) {
      document_ = std::move(node);
      return;
    }
    Open& top = stack_.back();
    if (top.node.kind == YamlNode::Kind::Seq) {
      top.node.values.push_back(std::move(node));
    } else if (!top.key) {
      if (node.kind == YamlNode::Kind::Map || node.kind == YamlNode::Kind::Seq) {
        throw YAML::ParserException(start_, "a mapping key that is not a scalar");
      }
      top.key = std::move(node.scalar);
    } else {
      top.node.keys.push_back(std::move(*top.key));
      top.node.values.push_back(std::move(node));
      top.key.reset();
    }
  }

  std::vector<Open> stack_;
  std::map<YAML::anchor_t, YamlNode> anchors_;
  YamlNode document_;
  YAML::Mark start_;
};

}  // namespace

const YamlNode* YamlNode::find(std::string_view key) const {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &values[i];
  }
  return nullptr;
}

std::string_view YamlNode::text(std::string_view key) const {
  const YamlNode* value = find(key);
  return value && value->is_scalar() ? std::string_view(value->scalar) : std::string_view();
}

LockfileError prefixed(const std::string& name, const LockfileError& error) {
  return LockfileError(name + ": " + error.message, error.cache_problem);
}

std::expected<std::vector<YamlNode>, LockfileError> parse_yaml_slow(std::string_view text) {
  try {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    TreeBuilder builder;
    std::vector<YamlNode> documents;
    int last_start = -1;
    while (parser.HandleNextDocument(builder)) {
      if (builder.start().pos == last_start) {
        throw YAML::ParserException(builder.start(), "unexpected character");
      }
      last_start = builder.start().pos;
      documents.push_back(builder.take_document());
    }
    return documents;
  } catch (const TooDeep&) {
    return std::unexpected(too_deep());
  } catch (const YAML::Exception& error) {
    std::string reason = error.what();
    for (char& c : reason) {
      if (c == '\n') c = ' ';
    }
    return std::unexpected("not valid YAML (" + reason + ")");
  }
}

std::expected<std::vector<YamlNode>, LockfileError> parse_yaml(std::string_view text) {
  try {
    return FastReader(text).documents();
  } catch (const TooDeep&) {
    return std::unexpected(too_deep());
  } catch (const Unsupported&) {
    return parse_yaml_slow(text);
  }
}

}  // namespace memo::workspace::lockfile_detail
