#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memo/archive/output_file.hpp"

namespace memo::store {

// The command's stdout and stderr as it ran (exec/output_log.hpp): a blob, like an output's
// bytes, replayed on a hit.
struct OutputLog {
  std::uint64_t size = 0;
  std::string digest;  // SHA-256
  bool operator==(const OutputLog&) const = default;
};

// What one cache entry says about itself: the key and the manifest that produced it, the
// command's outcome, and the outputs with their digests. Content lives in the blobs.
struct Entry {
  std::string key;
  std::string package;  // the package's folder relative to the repo root
  std::string name;     // the package's name
  std::string command;
  std::string manifest;   // hash::KeyManifest text
  std::string created;    // UTC, ISO 8601
  double command_ms = 0;  // how long the command ran: the time a hit saves
  std::vector<archive::OutputFile> outputs;
  std::optional<OutputLog> log;  // none from a memo before logs were kept
};

// The digests of every blob the entry names: its files' (or their packs'), its log's and its
// dependencies' key lines'.
std::vector<std::string> blob_digests(const Entry& entry);

// Bumped when an entry written now must not be read by an older memo (see below). An entry
// with packed outputs is written in format 3, which memo before packs cannot read; any other in
// format 2, as before. Both are read.
inline constexpr int kEntryFormatVersion = 3;
inline constexpr int kUnpackedEntryFormatVersion = 2;

// The stored form: a header line "memo-entry <format> <sha256 of the body>", then the body:
// one line per field and per output, each field quoted as in key manifests
//   key "<key>"   package "<folder>"   name "<name>"   command "<command>"
//   created "<UTC>"   command-ms "<ms>"   log "<size>" "<sha256>"
//   f "<path>" "<octal mode>" "<size>" "<sha256>"     an output file
//   p "<path>" "<octal mode>" "<size>" "<sha256>" "<pack sha256>" "<offset>"
//                                                     an output file stored in a pack blob
//   l "<path>" "<target>"                             an output symlink
// and last "manifest <bytes>" followed by the manifest, verbatim. Thousands of outputs parse
// in a fraction of what JSON would cost on every hit. The checksum catches a truncated or
// altered entry before anything is restored from it.
//
// A field line this reader does not know is skipped: a later memo adds a field without a new
// format (and, the key's format being apart, without new keys). A one-letter kind is an output
// record: an unknown one is refused, since restoring without it would be restoring less. So a
// change that an older reader must not ignore takes a new kEntryFormatVersion.
std::string serialize_entry(const Entry& entry);
std::expected<Entry, std::string> parse_entry(std::string_view text);

// The entry with every output as a blob of its own (no pack): what a remote artifact carries,
// its files being members of their own there.
Entry without_packs(Entry entry);

}  // namespace memo::store
