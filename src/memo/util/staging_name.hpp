#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace memo::util {

// The names memo gives the files it writes beside an output while restoring it (and the things
// it moves out of a folder's way): ".memo-<name>.<pid>.<counter>.tmp". They are never outputs
// nor inputs, and once the process that made one is gone nobody will rename it into place.
std::string staging_name_for(std::string_view name);

// The pid of the process that made the staging name `name`; nullopt when it is not one.
std::optional<long> staging_name_owner(std::string_view name);

// Whether `name` is a staging name whose process is no longer running (pid reuse can only keep
// a stale file a little longer, never remove a live one).
bool is_stale_staging_name(std::string_view name);

// Removes the stale staging files in the folder open as `dir_fd`; returns how many.
std::size_t remove_stale_staging_files(int dir_fd);

}  // namespace memo::util
