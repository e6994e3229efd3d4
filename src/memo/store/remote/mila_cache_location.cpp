#include "memo/store/remote/mila_cache_location.hpp"

#include <nlohmann/json.hpp>

#include "memo/util/files.hpp"
#include "memo/util/json.hpp"

namespace memo::store::remote {

namespace {

std::string string_at(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

// The account's entry (an object with defaultRegion and state), or why there is none.
std::expected<nlohmann::json, std::string> pick_account(const nlohmann::json& accounts,
                                                        const std::optional<std::string>& account) {
  if (!accounts.is_object() || accounts.empty()) return std::unexpected("\"accounts\" is empty");
  if (!account) {
    if (accounts.size() == 1) return accounts.begin().value();
    std::string names;
    for (const auto& [name, value] : accounts.items()) names += (names.empty() ? "" : ", ") + name;
    return std::unexpected("has several accounts (" + names +
                           "): set cacheStorageConfig.options.account to one of them");
  }
  for (const auto& [name, value] : accounts.items()) {
    if (name == *account || (value.is_object() && string_at(value, "id") == *account)) {
      return value;
    }
  }
  return std::unexpected("has no account \"" + *account + "\" (by name or id)");
}

}  // namespace

std::expected<std::optional<MilaCacheLocation>, std::string> read_mila_cache_location(
    const std::filesystem::path& repo_root, const std::optional<std::string>& account) {
  if (repo_root.empty()) return std::nullopt;
  const auto file = repo_root / "mila.json";
  auto status = util::status_unless_missing(file);
  if (!status) return std::unexpected(status.error());
  if (status->type() == std::filesystem::file_type::not_found) return std::nullopt;
  auto text = util::read_file(file);
  if (!text) return std::unexpected(text.error());
  auto config = util::parse_json(*text);
  if (!config) return std::unexpected(file.string() + ": " + config.error());
  if (!config->is_object()) return std::unexpected(file.string() + ": not a JSON object");
  nlohmann::json chosen = *config;
  if (config->contains("accounts")) {
    auto picked = pick_account((*config)["accounts"], account);
    if (!picked) return std::unexpected(file.string() + ": " + picked.error());
    chosen = *picked;
  }
  MilaCacheLocation location;
  if (chosen.is_object() && chosen.contains("state") && chosen["state"].is_object()) {
    location.bucket = string_at(chosen["state"], "checksums");
  }
  if (chosen.is_object()) location.region = string_at(chosen, "defaultRegion");
  if (location.bucket.empty()) {
    return std::unexpected(file.string() + ": names no bucket (state.checksums)");
  }
  return location;
}

}  // namespace memo::store::remote
