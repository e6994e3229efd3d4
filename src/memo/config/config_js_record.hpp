#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memo::config {

namespace fs = std::filesystem;

// How deep a config's result may nest (the exported object is level 1). memo's own walks of a
// result are recursive, so a deeper one is refused before it is parsed.
inline constexpr int kMaxConfigDepth = 64;

// Whether JSON text nests arrays and objects deeper than `limit`. It only counts brackets, so
// text of any depth is safe to ask about.
bool nested_deeper_than(std::string_view json_text, int limit);

// One look the evaluation took at a path. Kinds: "read" (the bytes), "type" (file, folder or
// missing, as require sees it), "exists", "stat" and "lstat" (the whole stat record), "names"
// and "entries" (a folder's names, with their types for entries), "realpath", "nativerealpath"
// and "readlink". `observed` is what node saw, in probe_state's form, when it could tell.
struct Probe {
  std::string kind;
  std::string path;
  std::optional<std::string> observed;
};

// What node reported about one evaluation of a backfill.config.js.
struct Evaluation {
  nlohmann::json config;
  std::vector<std::string> env_read;     // variables it looked at, by any means
  bool env_listed = false;               // it listed the environment: every variable counts
  std::vector<std::string> env_written;  // values it put into process.env
  std::vector<Probe> probes;
  bool cwd_read = false;
  std::vector<std::string> uncacheable;  // what it did that memo cannot check
};

// A fresh random salt, in hex, for the digests of one record.
std::string new_salt();

// `path` as a probe of `kind` sees it now: "-" when missing, a digest salted with `salt` for
// contents, names and link targets, the stat fields for stat; "?" when it cannot be told.
std::string probe_state(std::string_view kind, const std::string& path, std::string_view salt);

// The record to keep for `evaluation` (made with `salt`, in `working_directory`): the config,
// salted digests of the variables it read, the state of every path it looked at. Values of
// variables are never in it: within strings they are placeholders (env_placeholders.hpp). The
// error says why the evaluation must not be kept.
std::expected<std::string, std::string> make_record(const Evaluation& evaluation,
                                                    const fs::path& working_directory,
                                                    const std::string& salt);

// The config `record` holds, with the variables' values put back, if every variable and path
// the evaluation looked at is unchanged (and it ran in `working_directory` if it asked).
std::optional<nlohmann::json> reuse_record(std::string_view record,
                                           const fs::path& working_directory);

}  // namespace memo::config
