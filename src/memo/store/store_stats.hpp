#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace memo::store {

// What the local store has done, kept in <store>/stats.
struct StoreCounters {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t saved_ms = 0;  // the commands' time the hits saved, less the restores'
  // The store's size as last measured by eviction, plus every byte written since: an upper
  // bound that costs nothing to keep, so the size limit is checked without a walk.
  std::uint64_t bytes = 0;
};

// The counters, read and updated under an flock of their own, so processes sharing a store
// never lose each other's updates. A store that cannot be written counts nothing.
class StoreStats {
 public:
  explicit StoreStats(std::filesystem::path store_root) : root_(std::move(store_root)) {}

  StoreCounters read() const;
  // Adds `delta` to the counters and returns them as they are now; nullopt when they cannot
  // be written.
  std::optional<StoreCounters> add(const StoreCounters& delta) const;
  // Sets the measured size of the store (after eviction).
  void set_bytes(std::uint64_t bytes) const;

 private:
  template <typename Change>
  std::optional<StoreCounters> update(Change change) const;
  std::filesystem::path root_;
};

}  // namespace memo::store
