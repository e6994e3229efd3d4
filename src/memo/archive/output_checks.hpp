#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "memo/archive/output_file.hpp"
#include "memo/hash/glob.hpp"

namespace memo::archive {

// The first output of an entry that a restore into a package whose outputs match
// `output_globs` must refuse, with why: a path the globs do not match (a source file, a
// config, .git/hooks/…), one inside a folder no walk takes (.git, node_modules), or a staging
// name. nullopt when every output is one the package could have stored.
std::optional<std::string> find_unrestorable_output(const std::vector<OutputFile>& outputs,
                                                    const hash::GlobSet& output_globs);

// Re-reads the restored outputs and returns the paths whose bytes, mode or link target differ
// from the entry (validateOutput).
std::expected<std::vector<std::string>, std::string> find_changed_outputs(
    const std::filesystem::path& package_root, const std::vector<OutputFile>& outputs);

// Deletes the files matching `outputs` under `package_root` (clearOutput); returns how many.
std::expected<std::size_t, std::string> clear_outputs(const std::filesystem::path& package_root,
                                                      const hash::GlobSet& outputs);

}  // namespace memo::archive
