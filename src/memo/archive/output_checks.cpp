#include "memo/archive/output_checks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memo/archive/confined_dir.hpp"
#include "memo/hash/file_walk.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/fd.hpp"
#include "memo/util/files.hpp"
#include "memo/util/parallel.hpp"
#include "memo/util/staging_name.hpp"

namespace memo::archive {

namespace {

// A folder no walk goes into, so no stored output can be below it.
bool in_unwalked_folder(std::string_view path) {
  for (std::size_t start = 0; start < path.size();) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) return false;  // the last component is the file
    std::string_view part = path.substr(start, end - start);
    if (part == ".git" || part == "node_modules") return true;
    start = end + 1;
  }
  return false;
}

bool is_same_file(const OutputFile& output, const struct stat& info, int fd) {
  if ((info.st_mode & 0777) != output.mode ||
      static_cast<std::uint64_t>(info.st_size) != output.size) {
    return false;
  }
  util::Hasher hasher(util::Hasher::Algorithm::Sha256);
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) hasher.update(buffer, static_cast<size_t>(n));
  return n == 0 && hasher.hex_digest() == output.digest;
}

// Whether the output at its path under the package open as `root_fd` is as the entry has it.
bool output_is_intact(int root_fd, const OutputFile& output) {
  auto [folder, name] = split_parent(output.path);
  auto dir = open_dir_beneath(root_fd, folder);
  if (!dir) return false;
  util::Fd dir_fd = std::move(*dir);
  std::string leaf(name);
  if (output.type == OutputFile::Type::Symlink) {
    char target[4096];
    ssize_t size = ::readlinkat(dir_fd.get(), leaf.c_str(), target, sizeof target);
    return size >= 0 &&
           std::string_view(target, static_cast<std::size_t>(size)) == output.link_target;
  }
  util::Fd file(
      ::openat(dir_fd.get(), leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat info {};
  return file && ::fstat(file.get(), &info) == 0 && S_ISREG(info.st_mode) &&
         is_same_file(output, info, file.get());
}

}  // namespace

std::optional<std::string> find_unrestorable_output(const std::vector<OutputFile>& outputs,
                                                    const hash::GlobSet& output_globs) {
  for (const auto& output : outputs) {
    const std::string& path = output.path;
    if (!output_globs.matches(path)) {
      return "\"" + path + "\" is not an output of this package (outputGlob does not match it)";
    }
    if (in_unwalked_folder(path)) return "\"" + path + "\" is inside a .git or node_modules folder";
    if (util::staging_name_owner(split_parent(path).second)) {
      return "\"" + path + "\" is a staging file, never an output";
    }
  }
  return std::nullopt;
}

std::expected<std::vector<std::string>, std::string> find_changed_outputs(
    const std::filesystem::path& package_root, const std::vector<OutputFile>& outputs) {
  util::Fd root(::open(package_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return std::unexpected(package_root.string() + ": " + util::errno_message(errno));
  std::vector<char> changed(outputs.size(), 0);
  util::parallel_for(outputs.size(), [&](std::size_t i) {
    changed[i] = !output_is_intact(root.get(), outputs[i]);
  });
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (changed[i]) paths.push_back(outputs[i].path);
  }
  return paths;
}

std::expected<std::size_t, std::string> clear_outputs(const std::filesystem::path& package_root,
                                                      const hash::GlobSet& outputs) {
  hash::WalkOptions options;
  options.include = &outputs;
  auto files = hash::walk_files(package_root, options);
  if (!files) return std::unexpected(files.error());
  util::Fd root(::open(package_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return std::unexpected(package_root.string() + ": " + util::errno_message(errno));
  std::size_t removed = 0;
  for (const auto& file : *files) {
    auto [folder, name] = split_parent(file.path);
    auto dir = open_dir_beneath(root.get(), folder);
    if (!dir) continue;
    util::Fd dir_fd = std::move(*dir);
    if (::unlinkat(dir_fd.get(), std::string(name).c_str(), 0) == 0) ++removed;
  }
  return removed;
}

}  // namespace memo::archive
