#include "memo/config/config_js_record.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <memory>

#include "memo/config/env_placeholders.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/dir.hpp"
#include "memo/util/environment.hpp"
#include "memo/util/files.hpp"

extern char** environ;

namespace memo::config {

namespace {

using json = nlohmann::json;

constexpr int kRecordFormat = 2;
// Values this long are looked for anywhere in a record before it is written; shorter ones
// ("1", "true") are everywhere and are only kept out of strings.
constexpr std::size_t kShortestCheckedValue = 8;
// Variables node itself reads that can change what a config computes: its options (which can
// preload modules), where it finds modules, and the locale and time zone.
const std::vector<std::string> kNodeVariables{
    "NODE_OPTIONS", "NODE_PATH",  "NODE_PRESERVE_SYMLINKS", "NODE_ICU_DATA", "HOME", "TZ", "LANG",
    "LC_ALL",       "LC_MESSAGES"};

// --- Digests -------------------------------------------------------------------------------

std::string salted_digest(std::string_view salt, std::string_view bytes) {
  util::Hasher hasher(util::Hasher::Algorithm::Sha256);
  hasher.update(salt);
  hasher.update(std::string_view("\0", 1));
  hasher.update(bytes);
  return hasher.hex_digest();
}

// The same digest of a list as the evaluator's digestOfNames: sorted by bytes, each followed
// by a NUL.
std::string salted_list_digest(std::string_view salt, std::vector<std::string> parts) {
  std::sort(parts.begin(), parts.end());
  util::Hasher hasher(util::Hasher::Algorithm::Sha256);
  hasher.update(salt);
  hasher.update(std::string_view("\0", 1));
  for (const auto& part : parts) {
    hasher.update(part);
    hasher.update(std::string_view("\0", 1));
  }
  return hasher.hex_digest();
}

std::string env_digest(std::string_view salt, const std::string& name) {
  auto value = util::env_value(name);
  return value ? salted_digest(salt, *value) : "unset";
}

std::vector<std::string> environment_entries() {
  std::vector<std::string> entries;
  for (char** entry = environ; entry && *entry; ++entry) entries.emplace_back(*entry);
  return entries;
}

std::string environment_digest(std::string_view salt) {
  return salted_list_digest(salt, environment_entries());
}

// --- Probes --------------------------------------------------------------------------------

bool missing(int error) {
  return error == ENOENT || error == ENOTDIR;
}

std::string read_state(const std::string& path, std::string_view salt) {
  auto fd = util::open_regular_file(AT_FDCWD, path.c_str());
  if (!fd) {
    if (missing(fd.error())) return "-";
    struct stat info {};
    bool folder = fd.error() == util::kNotRegularFile && ::stat(path.c_str(), &info) == 0 &&
                  S_ISDIR(info.st_mode);
    return folder ? "d" : "?";
  }
  auto content = util::read_open_file(fd->get(), path);
  return content ? salted_digest(salt, *content) : "?";
}

std::string type_state(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "-";
  return S_ISDIR(info.st_mode) ? "d" : "f";
}

std::string exists_state(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0 ? "+" : "-";
}

std::string stat_state(const std::string& path, bool follow_links) {
  struct stat info {};
  int status = follow_links ? ::stat(path.c_str(), &info) : ::lstat(path.c_str(), &info);
  if (status != 0) return missing(errno) ? "-" : "?";
  // Everything a Stats object shows but the access time, which reading changes.
  std::string state;
  for (auto field :
       {static_cast<long long>(info.st_mode), static_cast<long long>(info.st_size),
        static_cast<long long>(info.st_ino), static_cast<long long>(info.st_dev),
        static_cast<long long>(info.st_nlink), static_cast<long long>(info.st_uid),
        static_cast<long long>(info.st_gid), static_cast<long long>(info.st_rdev),
        static_cast<long long>(info.st_mtim.tv_sec), static_cast<long long>(info.st_mtim.tv_nsec),
        static_cast<long long>(info.st_ctim.tv_sec),
        static_cast<long long>(info.st_ctim.tv_nsec)}) {
    state += std::to_string(field) + ":";
  }
  return state;
}

char type_of_entry(int dir_fd, const dirent& entry) {
  unsigned char type = entry.d_type;
  if (type == DT_UNKNOWN) {
    struct stat info {};
    if (::fstatat(dir_fd, entry.d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) return '?';
    if (S_ISREG(info.st_mode)) return 'f';
    if (S_ISDIR(info.st_mode)) return 'd';
    if (S_ISLNK(info.st_mode)) return 'l';
    return '?';
  }
  if (type == DT_REG) return 'f';
  if (type == DT_DIR) return 'd';
  if (type == DT_LNK) return 'l';
  return '?';
}

// A folder's names ("names"), or its names with their types ("entries"), as one digest.
std::string listing_state(const std::string& path, bool with_types, std::string_view salt) {
  util::Dir dir(path.c_str());
  if (!dir) return missing(errno) ? "-" : "?";
  std::vector<std::string> parts;
  while (const dirent* entry = ::readdir(dir.get())) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (with_types) name.append(1, '\0').append(1, type_of_entry(dir.fd(), *entry));
    parts.push_back(std::move(name));
  }
  return salted_list_digest(salt, std::move(parts));
}

// fs.realpathSync normalizes the path before it follows links; fs.realpathSync.native does not.
std::string realpath_state(const std::string& path, bool normalize_first, std::string_view salt) {
  std::string asked = normalize_first ? fs::path(path).lexically_normal().string() : path;
  std::unique_ptr<char, void (*)(void*)> resolved(::realpath(asked.c_str(), nullptr), std::free);
  if (!resolved) return missing(errno) ? "-" : "?";
  return salted_digest(salt, resolved.get());
}

std::string readlink_state(const std::string& path, std::string_view salt) {
  std::array<char, PATH_MAX> target{};
  ssize_t size = ::readlink(path.c_str(), target.data(), target.size());
  if (size < 0) return errno == EINVAL ? "!" : missing(errno) ? "-" : "?";
  if (static_cast<std::size_t>(size) == target.size()) return "?";
  return salted_digest(salt, std::string_view(target.data(), static_cast<std::size_t>(size)));
}

// --- Values kept out of the record ----------------------------------------------------------

bool valid_utf8(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    unsigned char lead = static_cast<unsigned char>(text[at]);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || at + length > text.size()) return false;
    for (std::size_t i = 1; i < length; ++i) {
      if ((static_cast<unsigned char>(text[at + i]) >> 6) != 0x2) return false;
    }
    at += length;
  }
  return true;
}

// The values to hide: those of the variables it read, or of every variable if it listed them.
std::expected<std::vector<EnvValue>, std::string> values_to_hide(const Evaluation& evaluation) {
  std::vector<std::string> names = evaluation.env_read;
  if (evaluation.env_listed) {
    names.clear();
    for (const auto& entry : environment_entries()) {
      names.push_back(entry.substr(0, entry.find('=')));
    }
  }
  std::vector<EnvValue> values;
  for (const auto& name : names) {
    auto value = util::env_value(name);
    if (!value || value->empty()) continue;
    EnvValue variable{name, *value};
    // Node reads a value that is not UTF-8 as something else, which would then be in clear.
    if (!can_hide(variable) || !valid_utf8(variable.value)) {
      return std::unexpected("the value of " + name + " cannot be kept out of the cache");
    }
    values.push_back(std::move(variable));
  }
  return values;
}

// Recursive, but only over results no deeper than kMaxConfigDepth.
json hide_in(const json& value, const std::vector<EnvValue>& values) {
  if (value.is_string()) return hide_env_values(value.get_ref<const std::string&>(), values);
  if (value.is_array()) {
    json hidden = json::array();
    for (const auto& item : value) hidden.push_back(hide_in(item, values));
    return hidden;
  }
  if (value.is_object()) {
    json hidden = json::object();
    for (const auto& [key, item] : value.items()) {
      hidden[hide_env_values(key, values)] = hide_in(item, values);
    }
    return hidden;
  }
  return value;
}

std::optional<json> restore_in(const json& value, const EnvValueOf& value_of) {
  if (value.is_string()) {
    auto restored = restore_env_values(value.get_ref<const std::string&>(), value_of);
    if (!restored) return std::nullopt;
    return json(std::move(*restored));
  }
  if (value.is_array()) {
    json restored = json::array();
    for (const auto& item : value) {
      auto restored_item = restore_in(item, value_of);
      if (!restored_item) return std::nullopt;
      restored.push_back(std::move(*restored_item));
    }
    return restored;
  }
  if (value.is_object()) {
    json restored = json::object();
    for (const auto& [key, item] : value.items()) {
      auto restored_key = restore_env_values(key, value_of);
      auto restored_item = restore_in(item, value_of);
      if (!restored_key || !restored_item) return std::nullopt;
      restored[*restored_key] = std::move(*restored_item);
    }
    return restored;
  }
  return value;
}

// --- Writing a record -----------------------------------------------------------------------

json variable_digests(const std::vector<std::string>& names, std::string_view salt) {
  json digests = json::object();
  for (const auto& name : names) digests[name] = env_digest(salt, name);
  return digests;
}

std::expected<json, std::string> probe_states(const std::vector<Probe>& probes,
                                              std::string_view salt,
                                              const std::vector<EnvValue>& values) {
  json states = json::array();
  for (const auto& probe : probes) {
    std::string state = probe_state(probe.kind, probe.path, salt);
    if (state == "?") return std::unexpected("memo cannot check " + probe.path);
    if (probe.observed && *probe.observed != state) {
      return std::unexpected(probe.path + " changed while node read it");
    }
    states.push_back(json::array({probe.kind, hide_env_values(probe.path, values), state}));
  }
  return states;
}

// A value from the environment that would still be in the record's text (spread over several
// JSON values, say), if any.
std::optional<std::string> value_in_clear(std::string_view record, const Evaluation& evaluation,
                                          const std::vector<EnvValue>& values) {
  for (const auto& variable : values) {
    if (variable.value.size() >= kShortestCheckedValue &&
        record.find(variable.value) != std::string_view::npos) {
      return variable.name;
    }
  }
  for (const auto& written : evaluation.env_written) {
    if (written.size() >= kShortestCheckedValue && record.find(written) != std::string_view::npos) {
      return "a variable it set";
    }
  }
  return std::nullopt;
}

// --- Checking a record ----------------------------------------------------------------------

const std::string* string_member(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? &found->get_ref<const std::string&>()
                                                     : nullptr;
}

bool variables_unchanged(const json& record, const char* key, std::string_view salt) {
  auto digests = record.find(key);
  if (digests == record.end() || !digests->is_object()) return false;
  for (const auto& [name, digest] : digests->items()) {
    if (!digest.is_string() || digest.get_ref<const std::string&>() != env_digest(salt, name)) {
      return false;
    }
  }
  return true;
}

bool probes_unchanged(const json& record, std::string_view salt, const EnvValueOf& value_of) {
  auto probes = record.find("probes");
  if (probes == record.end() || !probes->is_array()) return false;
  for (const auto& probe : *probes) {
    if (!probe.is_array() || probe.size() != 3 || !probe[0].is_string() || !probe[1].is_string() ||
        !probe[2].is_string()) {
      return false;
    }
    auto path = restore_env_values(probe[1].get_ref<const std::string&>(), value_of);
    if (!path || probe_state(probe[0].get_ref<const std::string&>(), *path, salt) !=
                     probe[2].get_ref<const std::string&>()) {
      return false;
    }
  }
  return true;
}

bool environment_unchanged(const json& record, std::string_view salt) {
  if (!record.contains("environment")) return true;
  const std::string* digest = string_member(record, "environment");
  return digest && *digest == environment_digest(salt);
}

bool working_directory_unchanged(const json& record, const fs::path& working_directory,
                                 const EnvValueOf& value_of) {
  if (!record.contains("cwd")) return true;
  const std::string* hidden = string_member(record, "cwd");
  if (!hidden) return false;
  auto cwd = restore_env_values(*hidden, value_of);
  return cwd && *cwd == working_directory.string();
}

}  // namespace

bool nested_deeper_than(std::string_view json_text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : json_text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

std::string new_salt() {
  std::array<unsigned char, 16> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0 && errno != EINTR) break;  // the salt is then weaker, never missing
    if (n > 0) filled += static_cast<std::size_t>(n);
  }
  return util::to_hex(bytes.data(), bytes.size());
}

std::string probe_state(std::string_view kind, const std::string& path, std::string_view salt) {
  if (kind == "read") return read_state(path, salt);
  if (kind == "type") return type_state(path);
  if (kind == "exists") return exists_state(path);
  if (kind == "stat") return stat_state(path, true);
  if (kind == "lstat") return stat_state(path, false);
  if (kind == "names") return listing_state(path, false, salt);
  if (kind == "entries") return listing_state(path, true, salt);
  if (kind == "realpath") return realpath_state(path, true, salt);
  if (kind == "nativerealpath") return realpath_state(path, false, salt);
  if (kind == "readlink") return readlink_state(path, salt);
  return "?";
}

std::expected<std::string, std::string> make_record(const Evaluation& evaluation,
                                                    const fs::path& working_directory,
                                                    const std::string& salt) {
  if (!evaluation.uncacheable.empty()) return std::unexpected(evaluation.uncacheable.front());
  auto values = values_to_hide(evaluation);
  if (!values) return std::unexpected(values.error());
  auto probes = probe_states(evaluation.probes, salt, *values);
  if (!probes) return std::unexpected(probes.error());

  json record = json::object();
  record["format"] = kRecordFormat;
  record["salt"] = salt;
  record["env"] = variable_digests(
      evaluation.env_listed ? std::vector<std::string>{} : evaluation.env_read, salt);
  record["node_env"] = variable_digests(kNodeVariables, salt);
  if (evaluation.env_listed) record["environment"] = environment_digest(salt);
  if (evaluation.cwd_read) record["cwd"] = hide_env_values(working_directory.string(), *values);
  record["probes"] = std::move(*probes);
  record["config"] = hide_in(evaluation.config, *values);
  std::string text = record.dump();
  if (auto name = value_in_clear(text, evaluation, *values)) {
    return std::unexpected("the value of " + *name + " would be in the cache in clear");
  }
  return text;
}

std::optional<json> reuse_record(std::string_view text, const fs::path& working_directory) {
  if (nested_deeper_than(text, kMaxConfigDepth + 1)) return std::nullopt;
  json record = json::parse(text, nullptr, false);
  if (!record.is_object() || record.value("format", json()) != kRecordFormat) return std::nullopt;
  const std::string* salt = string_member(record, "salt");
  if (!salt || !variables_unchanged(record, "env", *salt) ||
      !variables_unchanged(record, "node_env", *salt) || !environment_unchanged(record, *salt)) {
    return std::nullopt;
  }
  const bool listed = record.contains("environment");
  const json& read = record.at("env");
  EnvValueOf value_of = [&](const std::string& name) -> std::optional<std::string> {
    if (!listed && !read.contains(name)) return std::nullopt;
    return util::env_value(name);
  };
  if (!working_directory_unchanged(record, working_directory, value_of) ||
      !probes_unchanged(record, *salt, value_of) || !record.contains("config")) {
    return std::nullopt;
  }
  return restore_in(record["config"], value_of);
}

}  // namespace memo::config
