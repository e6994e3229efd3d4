#include "memo/cli/cache_command.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

#include "memo/cli/main_command.hpp"
#include "memo/store/eviction.hpp"
#include "memo/store/store_stats.hpp"
#include "memo/util/json.hpp"
#include "memo/util/log.hpp"
#include "memo/util/printable.hpp"
#include "memo/util/units.hpp"

namespace memo::cli {

namespace {

nlohmann::json contents_json(const store::StoreContents& contents) {
  return {{"entries", contents.entries},
          {"entryBytes", contents.entry_bytes},
          {"blobs", contents.blobs},
          {"blobBytes", contents.blob_bytes},
          {"orphanBlobs", contents.orphan_blobs},
          {"bytes", contents.total_bytes()}};
}

}  // namespace

int cache_stats(const config::Config& config, bool as_json) {
  const auto& root = config.internal_cache_folder;
  const auto contents = store::measure_store(root);
  const auto counters = store::StoreStats(root).read();
  if (as_json) {
    nlohmann::json out = contents_json(contents);
    out["store"] = root.string();
    out["hits"] = counters.hits;
    out["misses"] = counters.misses;
    out["savedMs"] = counters.saved_ms;
    std::cout << util::json_text(out, 2) << "\n";
    return 0;
  }
  std::cout << "store        " << util::printable(root.string()) << "\n"
            << "entries      " << contents.entries << "\n"
            << "blobs        " << contents.blobs << " (" << util::format_size(contents.blob_bytes)
            << (contents.orphan_blobs
                    ? ", " + std::to_string(contents.orphan_blobs) + " named by no entry"
                    : "")
            << ")\n"
            << "size         " << util::format_size(contents.total_bytes()) << "\n"
            << "hits         " << counters.hits << "\n"
            << "misses       " << counters.misses << "\n"
            << "time saved   " << util::format_duration_ms(static_cast<double>(counters.saved_ms))
            << "\n";
  return 0;
}

int cache_prune(const config::Config& config, const std::optional<std::string>& max_size,
                const std::optional<std::string>& max_age, bool as_json) {
  store::PruneLimits limits;
  if (max_size) {
    auto bytes = util::parse_size(*max_size);
    if (!bytes) {
      util::Log::error("--max-size: " + bytes.error());
      return kUsageError;
    }
    limits.max_bytes = *bytes;
  }
  if (max_age) {
    auto age = util::parse_duration(*max_age);
    if (!age) {
      util::Log::error("--max-age: " + age.error());
      return kUsageError;
    }
    limits.max_age = *age;
  }
  auto report = store::prune_store(config.internal_cache_folder, limits);
  if (!report) {
    util::Log::warn("cannot prune: " + report.error());
    return 1;
  }
  if (as_json) {
    nlohmann::json out{{"entriesRemoved", report->entries_removed},
                       {"blobsRemoved", report->blobs_removed},
                       {"tempFilesRemoved", report->temp_files_removed},
                       {"bytesBefore", report->bytes_before},
                       {"bytesAfter", report->bytes_after},
                       {"left", contents_json(report->left)}};
    std::cout << util::json_text(out, 2) << "\n";
    return 0;
  }
  std::cout << "removed " << report->entries_removed << " entries and " << report->blobs_removed
            << " blobs: " << util::format_size(report->bytes_before) << " -> "
            << util::format_size(report->bytes_after) << " (" << report->left.entries
            << " entries left)\n";
  return 0;
}

}  // namespace memo::cli
