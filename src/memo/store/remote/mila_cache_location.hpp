#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>

namespace memo::store::remote {

// Where Microlambda keeps its remote cache, as its mila.json at the repo root says: the bucket
// is state.checksums, its region defaultRegion. A mila.json with "accounts" holds one such pair
// per AWS account: `account` picks one by name or by id; without it, the only one.
struct MilaCacheLocation {
  std::string bucket;
  std::string region;
};

// Nothing when there is no mila.json; an error naming the file when it cannot be read, is not
// JSON, or names no bucket.
std::expected<std::optional<MilaCacheLocation>, std::string> read_mila_cache_location(
    const std::filesystem::path& repo_root, const std::optional<std::string>& account);

}  // namespace memo::store::remote
