#include "memo/store/eviction.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <vector>

#include "memo/store/entry.hpp"
#include "memo/store/store_lock.hpp"
#include "memo/store/store_stats.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"

namespace memo::store {

namespace fs = std::filesystem;

namespace {

// A temp file this old belongs to a writer that crashed: no write takes an hour.
constexpr std::int64_t kStaleTempNs = 3600LL * 1000000000LL;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t mtime_ns(const struct stat& info) {
  return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL + info.st_mtim.tv_nsec;
}

struct EntryFile {
  fs::path path;
  std::int64_t used_ns = 0;  // its mtime: stored, or last hit
  std::uint64_t size = 0;
  std::vector<std::string> blobs;
  bool damaged = false;
};

struct BlobFile {
  fs::path path;
  std::uint64_t size = 0;
};

struct Scan {
  std::vector<EntryFile> entries;
  std::map<std::string, BlobFile> blobs;  // by digest
  std::vector<fs::path> stale_temps;
};

// Calls visit(path, name, lstat) for every file of a folder sharded in <2 hex>/ folders;
// temp files (".name.<pid>.<n>.tmp") go to `stale_temps` once they are old.
template <typename Visit>
void for_each_sharded_file(const fs::path& folder, std::int64_t now, Scan& scan, Visit visit) {
  std::error_code error;
  for (const auto& shard : fs::directory_iterator(folder, error)) {
    if (!shard.is_directory(error)) continue;
    for (const auto& item : fs::directory_iterator(shard.path(), error)) {
      struct stat info {};
      if (::lstat(item.path().c_str(), &info) != 0) continue;
      const std::string name = item.path().filename().string();
      if (name.starts_with(".")) {
        if (now - mtime_ns(info) > kStaleTempNs) scan.stale_temps.push_back(item.path());
        continue;
      }
      visit(item.path(), shard.path().filename().string() + name, info);
    }
  }
}

EntryFile read_entry_file(const fs::path& path, const std::string& key, const struct stat& info) {
  EntryFile entry{path, mtime_ns(info), static_cast<std::uint64_t>(info.st_size), {}, true};
  if (!S_ISREG(info.st_mode)) return entry;
  auto text = util::read_file(path);
  if (!text) return entry;
  auto parsed = parse_entry(*text);
  if (!parsed || parsed->key != key.substr(2)) return entry;
  entry.blobs = blob_digests(*parsed);
  entry.damaged = false;
  return entry;
}

Scan scan_store(const fs::path& root, std::int64_t now) {
  Scan scan;
  // Entries are entries/<2 hex>/<key>: the shard and the name make "<2 hex><key>".
  for_each_sharded_file(
      root / "entries", now, scan,
      [&](const fs::path& path, const std::string& name, const struct stat& info) {
        scan.entries.push_back(read_entry_file(path, name, info));
      });
  for_each_sharded_file(
      root / "blobs", now, scan,
      [&](const fs::path& path, const std::string& digest, const struct stat& info) {
        std::uint64_t size = S_ISREG(info.st_mode) ? info.st_size : 0;
        scan.blobs[digest] = {path, size};
      });
  return scan;
}

std::map<std::string, int> count_references(const std::vector<EntryFile>& entries) {
  std::map<std::string, int> references;
  for (const auto& entry : entries) {
    for (const auto& blob : entry.blobs) ++references[blob];
  }
  return references;
}

std::uint64_t total_bytes(const Scan& scan) {
  std::uint64_t total = 0;
  for (const auto& entry : scan.entries) total += entry.size;
  for (const auto& [digest, blob] : scan.blobs) total += blob.size;
  return total;
}

// What to delete: every blob no entry names, then entries least recently used first while
// over the limits, with the blobs only they named.
struct Plan {
  std::vector<const EntryFile*> entries;
  std::set<std::string> blobs;
};

Plan plan_eviction(const Scan& scan, const PruneLimits& limits, std::int64_t now) {
  std::vector<const EntryFile*> by_use;
  for (const auto& entry : scan.entries) by_use.push_back(&entry);
  std::sort(by_use.begin(), by_use.end(),
            [](const auto* a, const auto* b) { return a->used_ns < b->used_ns; });
  auto references = count_references(scan.entries);
  Plan plan;
  std::uint64_t total = total_bytes(scan);
  for (const auto& [digest, blob] : scan.blobs) {
    if (references.contains(digest)) continue;
    plan.blobs.insert(digest);
    total -= blob.size;
  }
  const std::int64_t oldest_kept =
      limits.max_age
          ? now - std::chrono::duration_cast<std::chrono::nanoseconds>(*limits.max_age).count()
          : INT64_MIN;
  for (const auto* entry : by_use) {
    bool too_big = limits.max_bytes && total > *limits.max_bytes;
    if (!entry->damaged && entry->used_ns >= oldest_kept && !too_big) continue;
    if (!entry->damaged && limits.keep && entry->path.filename() == *limits.keep) continue;
    plan.entries.push_back(entry);
    total -= entry->size;
    for (const auto& digest : entry->blobs) {
      auto blob = scan.blobs.find(digest);
      if (--references[digest] > 0 || blob == scan.blobs.end()) continue;
      plan.blobs.insert(digest);
      total -= blob->second.size;
    }
  }
  return plan;
}

// Under the exclusive lock: an entry used or stored since the walk is kept, with its blobs.
void spare_what_changed_since(const fs::path& root, const Scan& scan, Plan& plan,
                              std::int64_t now) {
  std::set<fs::path> walked;
  for (const auto& entry : scan.entries) walked.insert(entry.path);
  std::vector<const EntryFile*> still_planned;
  Scan again;
  for_each_sharded_file(
      root / "entries", now, again,
      [&](const fs::path& path, const std::string& name, const struct stat& info) {
        if (!walked.contains(path)) {
          for (const auto& blob : read_entry_file(path, name, info).blobs) {
            plan.blobs.erase(blob);
          }
        }
      });
  for (const auto* entry : plan.entries) {
    struct stat info {};
    bool used_since = ::lstat(entry->path.c_str(), &info) == 0 && mtime_ns(info) != entry->used_ns;
    if (!used_since) {
      still_planned.push_back(entry);
      continue;
    }
    for (const auto& blob : entry->blobs) plan.blobs.erase(blob);
  }
  plan.entries = std::move(still_planned);
}

// memo's small records (output states, file digests, latest keys, local-skip records) that
// nothing has written for longer than `max_age`.
std::size_t remove_old_records(const fs::path& root, std::chrono::seconds max_age,
                               std::int64_t now) {
  const std::int64_t oldest_kept =
      now - std::chrono::duration_cast<std::chrono::nanoseconds>(max_age).count();
  std::size_t removed = 0;
  for (const char* folder : {"state", "file-digests", "latest", "skip"}) {
    std::error_code error;
    for (const auto& item : fs::directory_iterator(root / folder, error)) {
      struct stat info {};
      if (::lstat(item.path().c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
          mtime_ns(info) < oldest_kept) {
        removed += ::unlink(item.path().c_str()) == 0;
      }
    }
  }
  return removed;
}

}  // namespace

StoreContents measure_store(const fs::path& store_root) {
  const Scan scan = scan_store(store_root, now_ns());
  StoreContents contents;
  const auto references = count_references(scan.entries);
  for (const auto& entry : scan.entries) {
    if (entry.damaged) continue;
    ++contents.entries;
    contents.entry_bytes += entry.size;
  }
  for (const auto& [digest, blob] : scan.blobs) {
    ++contents.blobs;
    contents.blob_bytes += blob.size;
    contents.orphan_blobs += !references.contains(digest);
  }
  return contents;
}

std::expected<PruneReport, std::string> prune_store(const fs::path& store_root,
                                                    const PruneLimits& limits) {
  std::error_code error;
  if (struct stat info{}; ::lstat(store_root.c_str(), &info) != 0 && errno == ENOENT) {
    return PruneReport{};  // no store yet: nothing to prune
  }
  if (!fs::is_directory(store_root, error)) {
    return std::unexpected(store_root.string() + ": not a folder");
  }
  const std::int64_t now = now_ns();
  const Scan scan = scan_store(store_root, now);
  Plan plan = plan_eviction(scan, limits, now);
  PruneReport report;
  report.bytes_before = total_bytes(scan);
  {
    auto lock = StoreLock::exclusive(store_root);
    if (!lock) return std::unexpected(store_root.string() + ": cannot lock the store to prune it");
    spare_what_changed_since(store_root, scan, plan, now);
    for (const auto* entry : plan.entries)
      report.entries_removed += ::unlink(entry->path.c_str()) == 0;
    for (const auto& digest : plan.blobs) {
      report.blobs_removed += fs::remove_all(scan.blobs.at(digest).path, error) > 0;
    }
  }
  for (const auto& temp : scan.stale_temps) {
    report.temp_files_removed += fs::remove_all(temp, error) > 0;
  }
  if (limits.max_age) remove_old_records(store_root, *limits.max_age, now);
  report.left = measure_store(store_root);
  report.bytes_after = report.left.total_bytes();
  StoreStats(store_root).set_bytes(report.bytes_after);
  return report;
}

}  // namespace memo::store
