#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>

namespace memo::store {

// What a walk of the local store finds.
struct StoreContents {
  std::size_t entries = 0;
  std::uint64_t entry_bytes = 0;
  std::size_t blobs = 0;
  std::uint64_t blob_bytes = 0;
  std::size_t orphan_blobs = 0;  // named by no entry
  std::uint64_t total_bytes() const { return entry_bytes + blob_bytes; }
};

StoreContents measure_store(const std::filesystem::path& store_root);

struct PruneLimits {
  std::optional<std::uint64_t> max_bytes;  // remove the least recently used entries until under
  std::optional<std::chrono::seconds> max_age;  // remove entries not used for this long
  std::optional<std::string> keep;  // this key's entry stays whatever (the one just stored)
};

struct PruneReport {
  std::size_t entries_removed = 0;
  std::size_t blobs_removed = 0;
  std::size_t temp_files_removed = 0;
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
  StoreContents left;
};

// Evicts from the local store: entries by last use (a hit counts as use) over `limits`, then
// every blob no entry names, damaged entries, and temp files older than an hour (a crashed
// writer's), and memo's small records (file digests, output states) unused for max_age.
// Deletions happen under the store's exclusive lock (store_lock.hpp), so a restore never
// loses a blob it reads, and entries stored or used since the walk are kept.
std::expected<PruneReport, std::string> prune_store(const std::filesystem::path& store_root,
                                                    const PruneLimits& limits);

}  // namespace memo::store
