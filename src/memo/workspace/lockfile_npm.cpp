// package-lock.json / npm-shrinkwrap.json, lockfileVersion 2 and 3: the "packages" map keys every
// installed folder by its path ("" the root, "packages/a" a workspace, "node_modules/x",
// "node_modules/x/node_modules/y"), and a dependency resolves as node resolves it: the nearest
// node_modules/<name> walking up from the folder that requires it. Read with the SAX interface:
// building the whole document costs four times as much as the rest together.

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <unordered_map>

#include "memo/workspace/lockfile_internal.hpp"

namespace memo::workspace::lockfile_detail {

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using json = nlohmann::json;

struct Record {
  std::string location;
  std::string name;
  std::string version;
  std::string resolved;
  bool link = false;
  Pairs dependencies;
  Pairs optional_dependencies;  // and peer dependencies: either may be absent
};

class Reader : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool value) override {
    if (record_open_ && depth_ == 3 && keys_[3] == "link") records.back().link = value;
    return true;
  }
  bool number_integer(number_integer_t value) override {
    if (depth_ == 1 && keys_[1] == "lockfileVersion") version = value;
    return true;
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (depth_ == 1 && keys_[1] == "lockfileVersion") version = static_cast<std::int64_t>(value);
    return true;
  }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& value) override {
    if (!record_open_) return true;
    Record& record = records.back();
    if (depth_ == 3) {
      const std::string& field = keys_[3];
      if (field == "version") {
        record.version = std::move(value);
      } else if (field == "name") {
        record.name = std::move(value);
      } else if (field == "resolved") {
        record.resolved = std::move(value);
      }
    } else if (depth_ == 4 && !is_array_[4]) {
      const std::string& field = keys_[3];
      if (field == "dependencies") {
        record.dependencies.emplace_back(keys_[4], std::move(value));
      } else if (field == "optionalDependencies" || field == "peerDependencies") {
        record.optional_dependencies.emplace_back(keys_[4], std::move(value));
      }
    }
    return true;
  }
  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& value) override {
    if (depth_ < static_cast<int>(keys_.size())) keys_[depth_] = std::move(value);
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& error) override {
    message = error.what();
    return false;
  }

  std::optional<std::int64_t> version;
  bool has_packages = false;
  std::vector<Record> records;
  std::string message;

 private:
  bool open(bool array) {
    ++depth_;
    if (depth_ < static_cast<int>(is_array_.size())) {
      is_array_[depth_] = array;
      keys_[depth_].clear();
    }
    const bool in_packages = depth_ >= 2 && !is_array_[1] && keys_[1] == "packages";
    if (depth_ == 2 && in_packages && !array) has_packages = true;
    if (depth_ == 3 && in_packages && !is_array_[2] && !array) {
      records.push_back(Record{.location = keys_[2]});
      record_open_ = true;
    }
    return true;
  }
  bool close() {
    if (depth_ == 3) record_open_ = false;
    --depth_;
    return true;
  }

  int depth_ = 0;  // open containers; keys_[d] is the last key read in the one at depth d
  std::array<std::string, 6> keys_;
  std::array<bool, 6> is_array_{};
  bool record_open_ = false;
};

bool is_installed(std::string_view location) {
  return location.starts_with("node_modules/") ||
         location.find("/node_modules/") != std::string_view::npos;
}

class NpmGraph : public Graph {
 public:
  // Node's lookup: <folder>/node_modules/<name>, then in each folder above.
  std::optional<std::uint32_t> find(std::string_view from, std::string_view name) const {
    std::string_view folder = from;
    std::string candidate;
    while (true) {
      candidate.assign(folder);
      candidate.append(folder.empty() ? "node_modules/" : "/node_modules/").append(name);
      auto found = node_at.find(candidate);
      if (found != node_at.end()) return found->second;
      if (folder.empty()) return std::nullopt;
      do {
        std::size_t slash = folder.rfind('/');
        folder = folder.substr(0, slash == std::string_view::npos ? 0 : slash);
      } while (folder == "node_modules" || folder.ends_with("/node_modules"));
    }
  }

  Declared resolve_declared(const std::string& folder, const std::string& name,
                            const std::string&) const override {
    auto found = find(folder == "." ? "" : folder, name);
    return found ? Declared::of(*found) : Declared::unresolved();
  }

  std::unordered_map<std::string, std::uint32_t> node_at;  // by location
};

}  // namespace

ParseResult parse_npm(std::string_view text, const std::string& name) {
  Reader reader;
  if (!json::sax_parse(text, &reader)) {
    std::string detail = reader.message;
    std::size_t at = detail.find(" at line ");
    return std::unexpected(name + ": not valid JSON" +
                           (at == std::string::npos ? "" : " (" + detail.substr(at + 1) + ")"));
  }
  if (!reader.version) return std::unexpected(name + ": no lockfileVersion");
  if (*reader.version == 1) {
    return std::unexpected(name +
                           ": lockfileVersion 1 (npm 6 or older) has no \"packages\" map: "
                           "regenerate it with npm 7 or later");
  }
  if (*reader.version != 2 && *reader.version != 3) {
    return std::unexpected(name + ": lockfileVersion " + std::to_string(*reader.version) +
                           " is not one this code knows (2 or 3)");
  }
  if (!reader.has_packages) return std::unexpected(name + ": no \"packages\" map");

  auto graph = std::make_unique<NpmGraph>();
  std::unordered_map<std::string_view, const Record*> record_at;
  std::vector<const Record*> installed;
  for (const Record& record : reader.records) {
    record_at.emplace(record.location, &record);
    if (!is_installed(record.location)) continue;
    graph->node_at.emplace(record.location, static_cast<std::uint32_t>(installed.size()));
    installed.push_back(&record);
  }
  graph->nodes.resize(installed.size());
  for (std::size_t i = 0; i < installed.size(); ++i) {
    const Record& record = *installed[i];
    Node& node = graph->nodes[i];
    std::string package = record.name;
    if (package.empty()) {
      std::size_t at = record.location.rfind("node_modules/");
      package = record.location.substr(at + 13);
    }
    // A link's dependencies are those of the folder it points to, resolved from there.
    const Record* source = &record;
    std::string_view from = record.location;
    if (record.link) {
      node.label = package + "@link:" + record.resolved;
      node.workspace_name = package;
      auto target = record_at.find(record.resolved);
      if (target == record_at.end()) continue;
      source = target->second;
      from = record.resolved;
    } else {
      node.label = package + "@" + (record.version.empty() ? record.resolved : record.version);
      if (!record.resolved.empty() && !record.version.empty() &&
          !is_registry_tarball(record.resolved)) {
        node.label += " (" + record.resolved + ")";
      }
    }
    for (const auto& [dependency, range] : source->dependencies) {
      if (auto target = graph->find(from, dependency)) {
        node.dependencies.push_back(*target);
      } else {
        node.unresolved.emplace_back(dependency, dependency + "@" + range + " (unresolved)");
      }
    }
    for (const auto& [dependency, range] : source->optional_dependencies) {
      if (auto target = graph->find(from, dependency)) node.dependencies.push_back(*target);
    }
  }
  return graph;
}

}  // namespace memo::workspace::lockfile_detail
