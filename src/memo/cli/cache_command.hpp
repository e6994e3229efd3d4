#pragma once

#include <optional>
#include <string>

#include "memo/config/config.hpp"

namespace memo::cli {

// memo cache stats: what the local store holds (entries, blobs, bytes) and what it has done
// (hits, misses, time saved).
int cache_stats(const config::Config& config, bool as_json);

// memo cache prune [--max-size SIZE] [--max-age AGE]: evicts the least recently used entries
// over the limits, and sweeps orphan blobs and stale temp files. A bad size or age is a usage
// error (exit 2).
int cache_prune(const config::Config& config, const std::optional<std::string>& max_size,
                const std::optional<std::string>& max_age, bool as_json);

}  // namespace memo::cli
