#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace memo::hash {

// Bumped whenever what goes into a key or an entry changes shape, so old entries never match.
inline constexpr int kEntryFormatVersion = 1;

// The canonical list of everything a key covers: one line per input, "<kind> <field>…" with
// every field quoted with quote_field (so no two different inputs can print alike), sorted, under a header
// naming the format version. The key is the SHA-256 of this text. It holds no absolute path,
// no timestamp and no env value (only its digest), and it is stored beside each entry so that
// `memo explain` can say what changed.
// "field" with '"' and '\\' backslash-escaped and every byte outside printable ASCII as \xNN:
// one line per field, and different fields never quote alike.
std::string quote_field(std::string_view field);

class KeyManifest {
 public:
  void add(std::string_view kind, std::initializer_list<std::string_view> fields);
  // Takes every line of `other` (a part built on another thread).
  void append(KeyManifest&& other);
  // Sorts the lines in place the first time: call it once the manifest is complete.
  std::string text();
  std::string key();

 private:
  std::vector<std::string> lines_;
};

}  // namespace memo::hash
