#pragma once

#include <optional>
#include <string>
#include <vector>

#include "memo/archive/output_file.hpp"

namespace memo::archive {

// Whether symlinks stay inside their package once every link on their way is followed, not
// only read as text: `lib/s -> ..` then `lib/t -> s/lib/s/../../../outside` leaves the package
// though neither climbs above it lexically. Each target is resolved component by component
// through the links of `outputs` (as they will stand once restored, or as stored), the folders
// the outputs need (real folders then), and else whatever the package under `package_fd`
// holds now (read with O_NOFOLLOW from the package root, never followed out of it). A path that
// does not exist is taken as a folder (so ".." after it is still counted).
// Returns the first link of `outputs` that leaves the package (or loops more than 40 links
// deep, which cannot be proved to stay), or nullopt when all stay inside.
std::optional<std::string> first_link_leaving_package(int package_fd,
                                                      const std::vector<OutputFile>& outputs);

}  // namespace memo::archive
