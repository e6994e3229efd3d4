// The YAML reader behind pnpm-lock.yaml and berry's yarn.lock (lockfile_yaml.cpp): any bytes
// give documents or an error, never a crash; and what the fast reader reads without handing
// the text to yaml-cpp, yaml-cpp reads the same (its promise: the result never depends on
// the subset being guessed right).

#include "fuzz_support.hpp"
#include "memo/workspace/lockfile_internal.hpp"

namespace {

using memo::workspace::lockfile_detail::YamlNode;

// A key YAML reads as null: yaml-cpp's tree (parse_yaml_slow) makes it "", the fast reader
// keeps the text ("null: x" is {"null": x}; a package may be called null). Both are compared
// as "".
std::string key_text(const std::string& key) {
  return key == "~" || key == "null" || key == "Null" || key == "NULL" ? "" : key;
}

bool same(const YamlNode& a, const YamlNode& b) {
  if (a.kind != b.kind || a.scalar != b.scalar || a.keys.size() != b.keys.size() ||
      a.values.size() != b.values.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.keys.size(); ++i) {
    if (key_text(a.keys[i]) != key_text(b.keys[i])) return false;
  }
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    if (!same(a.values[i], b.values[i])) return false;
  }
  return true;
}

// Text the comparison is fair on: what a lockfile could hold, and none of the corners where
// the two readers are known to part (found by this target; none occurs in a lockfile):
// - bytes that are not UTF-8: yaml-cpp takes FE FF as a UTF-16 byte order mark;
// - control characters but line breaks (LF or CRLF): yaml-cpp takes a lone CR as text;
// - tabs: the fast reader takes ':' then a tab as part of a plain scalar ("a: b:\tc" is
//   {a: "b:\tc"}) where yaml-cpp sees a mapping indicator and refuses the text;
// - a line starting with ':' (an empty key): yaml-cpp nests ":\n:" as {"": {"": null}}.
bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = text[i];
    const std::size_t length = c < 0x80         ? 1
                               : (c >> 5) == 6  ? 2
                               : (c >> 4) == 14 ? 3
                               : (c >> 3) == 30 ? 4
                                                : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 2) return false;
    }
    i += length;
  }
  return true;
}

bool is_plain_text(std::string_view text) {
  if (!is_utf8(text)) return false;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    const bool crlf = c == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
    if ((c < 0x20 && c != '\n' && !crlf) || c == 0x7f) return false;
    if (line_start && c == ':') return false;
    if (c != ' ' && c != '\r') line_start = c == '\n' || c == '-';
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = memo::fuzz::as_text(data, size);
  auto fast = memo::workspace::lockfile_detail::parse_yaml(text);
  if (!is_plain_text(text)) return 0;
  auto slow = memo::workspace::lockfile_detail::parse_yaml_slow(text);
  // Where both read the text, they read the same. (The fast reader is more lenient on some
  // text yaml-cpp refuses, "- ?" say: a lockfile that is not YAML is nobody's to judge.)
  if (fast && slow) {
    // Empty documents carry nothing (yaml-cpp makes one of a lone "...", the fast reader none).
    auto drop_empty = [](std::vector<YamlNode>& documents) {
      std::erase_if(documents, [](const YamlNode& d) { return d.kind == YamlNode::Kind::Null; });
    };
    drop_empty(*fast);
    drop_empty(*slow);
    if (fast->size() != slow->size())
      memo::fuzz::fail("the two YAML readers count documents apart");
    for (std::size_t i = 0; i < fast->size(); ++i) {
      if (!same((*fast)[i], (*slow)[i])) memo::fuzz::fail("the two YAML readers read apart");
    }
  }
  return 0;
}
