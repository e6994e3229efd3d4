#pragma once

#include <climits>
#include <cstdint>
#include <deque>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memo/hash/file_digest.hpp"
#include "memo/hash/file_walk.hpp"

namespace memo::hash {

// One package's walk and file digests, kept between runs in memo's own cache folder, so that
// an unchanged package costs an lstat per file and per folder: no listing, no .gitignore or
// glob matching, no reading. It is trusted only as far as git trusts its index: a folder,
// .gitignore or file counts as unchanged when its signature is the same and was already older
// than the walk that recorded it (minus a margin for coarse file-system clocks), so a change
// made while or just before memo looked is never missed.
struct DigestRecord {
  std::int64_t started_ns = 0;  // wall clock when the recorded walk began
  // The record file's modification time, as the package's file system stamped it (set when
  // read; not part of the text). Trust is measured against it as well as against
  // started_ns, so a clock that differs from the file system's cannot fool it.
  std::int64_t written_ns = INT64_MAX;
  std::vector<WalkTrace::Item> folders;     // every folder listed, "" for the package itself
  std::vector<WalkTrace::Item> gitignores;  // every .gitignore read; a zero signature: absent
  struct File {
    std::uint32_t folder = 0;  // index in `folders`
    std::string_view name;
    StatSignature signature;
    std::string_view line;  // its manifest line, without the line break
  };
  std::vector<File> files;  // in path order
  // What the files' names and lines point into.
  std::unique_ptr<const std::string> text;
  std::deque<std::string> written;
};

// How much older than the recorded walk a signature must be to be trusted.
// Three seconds: more than a tick of the coarsest file-system clock (FAT's 2 s) plus the lag
// of the kernel's coarse clock.
inline constexpr std::int64_t kTrustMarginNs = 3'000'000'000;

// The record of a walk that began at `started_ns`: its trace and its files' digests (paths
// relative to the walk's root, in path order), whose manifest lines name them under
// `manifest_prefix` ("packages/a", "" for the repo root). nullopt when it cannot be recorded
// (an incomplete trace, a name with a line break).
std::optional<DigestRecord> make_record(std::int64_t started_ns, const WalkTrace& trace,
                                        const std::vector<FileDigest>& digests,
                                        const std::string& manifest_prefix);

// The record as text, under a header with its SHA-256, so a damaged file is never believed.
std::string encode_record(const DigestRecord& record);
// nullopt for anything but a whole, well-formed record; names that could leave the package
// (absolute, "..", a '/' in a file name) are refused.
std::optional<DigestRecord> decode_record(std::string text);

// The record kept in `file` for the package under `root`: nullopt when there is none, it is
// damaged, or it is kept on another file system than the package's (whose clock could
// disagree with the one that stamps the package's files).
std::optional<DigestRecord> read_record(const std::filesystem::path& file,
                                        const std::filesystem::path& root);
// Writes `record` to `file` (temp + rename, its folder created). false when it cannot, or when
// the folder is on another file system than the package: only a speed-up is lost.
bool write_record(const std::filesystem::path& file, const std::filesystem::path& root,
                  const DigestRecord& record);

// The manifest lines of the record's files, each ending in a line break.
std::string manifest_lines(const DigestRecord& record);

// Lists a folder of the package as the walk would (a path relative to the package root).
using FolderLister = std::function<std::expected<FolderListing, std::string>(const std::string&)>;

// What reuse_record found.
enum class RecordCheck {
  kStale,    // the package must be walked
  kCurrent,  // the record describes the package as it is
  kUpdated,  // it does once the changes found are in: worth writing again
};

// Checks `record` against the package under `root` now. A folder whose stat data changed (an
// output folder deleted, a build's .tsbuildinfo written) is listed again with `relist`; while
// the walk would take the same entries from it, the record holds. A file whose stat data
// changed is digested again. Either way the record is updated as of `started_ns`, the wall
// clock before this run looked at anything. kStale when a .gitignore or a folder's listing
// changed, or too many files did.
RecordCheck reuse_record(const std::filesystem::path& root, const std::string& manifest_prefix,
                         std::int64_t started_ns, DigestRecord& record,
                         const FolderLister& relist = {});

// The wall clock now, in nanoseconds, as file times count it.
std::int64_t wall_clock_ns();

}  // namespace memo::hash
