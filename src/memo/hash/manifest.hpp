#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memo::hash {

// Bumped whenever what goes into a key changes shape, so keys of an older memo never match.
// (The stored entry has a version of its own, store::kEntryFormatVersion.)
inline constexpr int kKeyFormatVersion = 3;

// The canonical list of everything a key covers: one line per input, "<kind> <field>…" with
// every field quoted with quote_field (so no two different inputs can print alike), sorted, under a
// header naming the format version. The key is the SHA-256 of this text. It holds no absolute path,
// no timestamp and no env value (only its digest), and it is stored beside each entry so that
// `memo explain` can say what changed.
// "field" with '"' and '\\' backslash-escaped and every byte outside printable ASCII as \xNN:
// one line per field, and different fields never quote alike.
std::string quote_field(std::string_view field);
void append_quoted(std::string& out, std::string_view field);
// Appends `kind "field"…` and a line break to `out`.
void append_manifest_line(std::string& out, std::string_view kind,
                          std::initializer_list<std::string_view> fields);

class KeyManifest {
 public:
  void add(std::string_view kind, std::initializer_list<std::string_view> fields);
  // Lines written with append_manifest_line, each ending in a line break (a package's files,
  // best in path order).
  void add_lines(std::string lines);
  // Takes every line of `other` (a part built on another thread).
  void append(KeyManifest&& other);
  // The lines sorted under the header: call it once the manifest is complete.
  std::string text() const;
  // The lines sorted, without the header (a dependency's part: see expand_manifest).
  std::string sorted_lines() const;
  std::string key() const;

 private:
  std::vector<std::string> blocks_;  // each one or more whole lines
};

// A workspace dependency's files enter a key as one line, `dependency "<name>" "<path>"
// "<digest>"`, the digest being the SHA-256 of the dependency's sorted `file` lines (its part):
// a package with 40 dependencies hashes 40 short lines, not their 40,000 files. For `memo
// explain` and `memo hash --manifest`, expand_manifest puts each part's lines back in place
// (and the line as `dependency "<name>" "<path>"`), looking the parts up with `part_lines`;
// a line whose part is unknown is left as it is. A manifest of another format is returned as is.
using PartLookup = std::function<std::optional<std::string>(const std::string& digest)>;
std::string expand_manifest(std::string_view manifest, const PartLookup& part_lines);

}  // namespace memo::hash
