#include "memo/cli/explain_command.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

#include "memo/hash/manifest.hpp"
#include "memo/hash/manifest_diff.hpp"
#include "memo/hash/package_key.hpp"
#include "memo/store/local_skip_store.hpp"
#include "memo/store/local_store.hpp"
#include "memo/util/json.hpp"
#include "memo/util/log.hpp"
#include "memo/util/printable.hpp"

namespace memo::cli {

namespace {

struct Previous {
  std::string key;
  std::string manifest;
  std::string created;  // empty when unknown
};

// The entry to compare with: the one under today's key when the store has it (the next run
// is a hit, whatever was stored after it), else the newest for this package and command.
std::optional<Previous> previous_manifest(const config::Config& config, const std::string& package,
                                          const std::string& command,
                                          const std::string& current_key) {
  store::LocalStore store(config.internal_cache_folder);
  auto expanded = [&](const std::string& manifest) {
    return hash::expand_manifest(
        manifest, [&](const std::string& digest) { return store.manifest_part(digest); });
  };
  if (config.provider == "local-skip") {
    auto record = store::LocalSkipStore(config.internal_cache_folder).last_record(package);
    if (!record || record->second.empty()) return std::nullopt;
    return Previous{record->first, expanded(record->second), ""};
  }
  if (auto entry = store.get(current_key); entry && *entry) {
    return Previous{current_key, expanded((*entry)->manifest), (*entry)->created};
  }
  auto key = store.latest(package, command);
  if (!key) return std::nullopt;
  auto entry = store.get(*key);
  if (!entry || !*entry) return std::nullopt;
  return Previous{*key, expanded((*entry)->manifest), (*entry)->created};
}

// What the remote says of today's key, in a line; empty without a remote.
std::string remote_line(store::Cache& cache, const std::optional<bool>& has) {
  if (!cache.has_remote()) return "";
  std::string remote = "The remote cache (" + util::printable(cache.remote_name()) + ")";
  if (!has) return remote + " could not be asked (see the warning above).\n";
  return *has ? remote + " has this key: a run without the local entry is a remote hit.\n"
              : remote + " does not have this key.\n";
}

}  // namespace

int explain(const config::Config& config, const std::string& command, const step::KeyInputs& inputs,
            store::Cache& cache, bool as_json) {
  auto current = step::compute_key(config, command, inputs);
  if (!current) {
    util::Log::error("cannot compute the key: " + current.error());
    return 1;
  }
  hash::keep_records(current->records);
  const std::string package = hash::package_path_in_repo(config);
  auto previous = previous_manifest(config, package, command, current->key);
  std::vector<hash::ManifestChange> changes;
  if (previous) {
    changes = hash::diff_manifests(previous->manifest, hash::expanded_manifest(*current));
  }
  const std::optional<bool> remote_has =
      cache.remote_has({current->key, config.name.empty() ? package : config.name, command});

  if (as_json) {
    nlohmann::json out{{"package", package},
                       {"command", command},
                       {"key", current->key},
                       {"previousKey", previous ? nlohmann::json(previous->key) : nullptr},
                       {"changes", nlohmann::json::array()}};
    if (cache.has_remote()) {
      out["remoteHasKey"] = remote_has ? nlohmann::json(*remote_has) : nullptr;
    }
    for (const auto& change : changes) {
      nlohmann::json item{{"kind", change.kind}, {"change", change.change}};
      if (!change.subject.empty()) item["subject"] = change.subject;
      // Env values are digests at most, but even those stay out of the report.
      if (change.kind != "env" && change.kind != "file" && change.kind != "root-file") {
        item["before"] = change.before;
        item["after"] = change.after;
      }
      out["changes"].push_back(item);
    }
    std::cout << util::json_text(out, 2) << "\n";
    return 0;
  }

  const std::string key = current->key.substr(0, 12);
  if (!previous) {
    if (remote_has == true) {
      std::cout << "No local entry yet for " << util::printable(config.name)
                << " with this command (key " << key << ").\n"
                << remote_line(cache, remote_has);
      return 0;
    }
    std::cout << "No entry yet for " << util::printable(config.name)
              << " with this command: the next run is a "
              << "miss (key " << key << ").\n"
              << remote_line(cache, remote_has);
    return 0;
  }
  if (previous->key == current->key) {
    std::cout << "Entry " << key << " is in the cache"
              << (previous->created.empty()
                      ? ""
                      : " (stored " + util::printable(previous->created) + ")")
              << ": the next run is a hit.\n"
              << remote_line(cache, remote_has);
    return 0;
  }
  std::cout << "Key " << key << " differs from the newest entry " << previous->key.substr(0, 12)
            << (previous->created.empty() ? ""
                                          : " (stored " + util::printable(previous->created) + ")")
            << ":\n";
  // Names from the entry and the file system: escaped, so none can fake a line.
  for (const auto& change : changes) {
    std::cout << "  " << util::printable(hash::describe_change(change)) << "\n";
  }
  std::cout << remote_line(cache, remote_has);
  return 0;
}

}  // namespace memo::cli
