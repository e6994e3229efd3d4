#include "memo/store/output_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <set>

#include "memo/archive/confined_dir.hpp"
#include "memo/hash/manifest.hpp"
#include "memo/hash/manifest_diff.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/fd.hpp"
#include "memo/util/files.hpp"
#include "memo/util/parallel.hpp"

namespace memo::store {

namespace fs = std::filesystem;

namespace {

bool same_stat(const OutputState::Output& output, const struct stat& info) {
  return output.mtime_ns == util::stat_time_ns(info.st_mtim) &&
         output.ctime_ns == util::stat_time_ns(info.st_ctim) && output.inode == info.st_ino &&
         (output.file.type == archive::OutputFile::Type::Symlink
              ? S_ISLNK(info.st_mode)
              : S_ISREG(info.st_mode) &&
                    static_cast<std::uint64_t>(info.st_size) == output.file.size &&
                    (info.st_mode & 0777) == output.file.mode);
}

// Whether the file at `path` still holds exactly what the record says, read in full.
bool content_matches(const fs::path& path, const archive::OutputFile& file) {
  if (file.type == archive::OutputFile::Type::Symlink) {
    std::error_code error;
    return fs::is_symlink(fs::symlink_status(path, error)) &&
           fs::read_symlink(path, error).string() == file.link_target && !error;
  }
  auto fd = util::open_regular_file(AT_FDCWD, path.c_str(), O_NOFOLLOW);
  if (!fd) return false;
  struct stat info {};
  if (::fstat(fd->get(), &info) != 0 || (info.st_mode & 0777) != file.mode ||
      static_cast<std::uint64_t>(info.st_size) != file.size) {
    return false;
  }
  auto bytes = util::read_open_file(fd->get(), path.string());
  return bytes && util::sha256_hex(*bytes) == file.digest;
}

}  // namespace

OutputState::OutputState(fs::path store_root) : root_(std::move(store_root)) {}

fs::path OutputState::path_for(const std::string& package) const {
  return root_ / "state" / (util::sha256_hex(package) + ".json");
}

// The record is text, one output a line, every field quoted as in key manifests:
//   memo-output-state 3 "<key>" "<command ms>" "<log size>" "<log sha256>" (both "" for none)
//   o "<mtime ns>" "<ctime ns>" "<inode>" "<f|l>" "<mode>" "<size>" "<sha256>" "<path>" "<target>"
// (a few thousand outputs: JSON would cost more than the restore it saves).
constexpr std::string_view kHeader = "memo-output-state 3 ";

StoreResult<void> OutputState::save(const std::string& package, const std::string& key,
                                    const fs::path& package_root,
                                    const std::vector<archive::OutputFile>& outputs,
                                    double command_ms, const std::optional<OutputLog>& log,
                                    const std::vector<struct stat>* as_read) const {
  std::vector<std::string> lines(outputs.size());
  std::atomic<bool> incomplete{false};
  if (as_read && as_read->size() != outputs.size()) as_read = nullptr;
  util::parallel_for(outputs.size(), [&](std::size_t i) {
    const archive::OutputFile& output = outputs[i];
    struct stat info {};
    if (as_read) {
      info = (*as_read)[i];
    } else if (::lstat((package_root / output.path).c_str(), &info) != 0) {
      incomplete = true;
      return;
    }
    bool link = output.type == archive::OutputFile::Type::Symlink;
    // The mode memo left, which is the entry's but for a hardlinked output (read-only).
    unsigned mode = link ? output.mode : static_cast<unsigned>(info.st_mode & 0777);
    std::string& line = lines[i];
    line = "o";
    for (const std::string& field :
         {std::to_string(util::stat_time_ns(info.st_mtim)),
          std::to_string(util::stat_time_ns(info.st_ctim)), std::to_string(info.st_ino),
          std::string(link ? "l" : "f"), std::to_string(mode), std::to_string(output.size),
          output.digest, output.path, output.link_target}) {
      line += ' ';
      line += hash::quote_field(field);
    }
    line += '\n';
  });
  if (incomplete) {
    // A record missing an output would call the others intact and never restore that one:
    // no record at all, so the next run checks everything against the entry.
    ::unlink(path_for(package).c_str());
    return {};
  }
  std::string text = std::string(kHeader) + hash::quote_field(key) + " " +
                     hash::quote_field(std::to_string(static_cast<std::int64_t>(command_ms))) +
                     " " + hash::quote_field(log ? std::to_string(log->size) : "") + " " +
                     hash::quote_field(log ? log->digest : "") + "\n";
  for (const auto& line : lines) text += line;
  if (auto written = util::write_file_atomically(path_for(package), text); !written) {
    return std::unexpected(store_error_from_errno(errno, written.error()));
  }
  return {};
}

std::optional<OutputState::Record> OutputState::load(const std::string& package,
                                                     const std::string* only_key) const {
  auto text = util::read_file(path_for(package));
  if (!text) return std::nullopt;
  std::string_view rest = *text;
  std::size_t newline = rest.find('\n');
  if (newline == std::string_view::npos || !rest.starts_with(kHeader)) return std::nullopt;
  // After the format: "<key>" "<command ms>", read as the fields of a manifest line.
  auto header = hash::split_manifest_line(
      "state " + std::string(rest.substr(kHeader.size(), newline - kHeader.size())));
  if (header.size() != 5 || !util::is_hex_digest(header[1], 64)) return std::nullopt;
  if (only_key && header[1] != *only_key) return std::nullopt;  // not worth reading further
  Record record{std::move(header[1]), 0, {}, std::nullopt};
  try {
    record.command_ms = static_cast<double>(std::stoll(header[2]));
    if (util::is_hex_digest(header[4], 64)) {
      record.log = OutputLog{std::stoull(header[3]), std::move(header[4])};
    } else if (!header[4].empty()) {
      return std::nullopt;
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  rest.remove_prefix(newline + 1);
  std::vector<Output>& outputs = record.outputs;
  while (!rest.empty()) {
    newline = rest.find('\n');
    if (newline == std::string_view::npos) return std::nullopt;  // torn
    auto fields = hash::split_manifest_line(rest.substr(0, newline));
    rest.remove_prefix(newline + 1);
    if (fields.size() != 10 || fields[0] != "o") return std::nullopt;
    Output output;
    try {
      output.mtime_ns = std::stoll(fields[1]);
      output.ctime_ns = std::stoll(fields[2]);
      output.inode = std::stoull(fields[3]);
      output.file.type =
          fields[4] == "l" ? archive::OutputFile::Type::Symlink : archive::OutputFile::Type::File;
      output.file.mode = static_cast<unsigned>(std::stoul(fields[5])) & 0777;
      output.file.size = std::stoull(fields[6]);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    output.file.digest = fields[7];
    output.file.path = fields[8];
    output.file.link_target = fields[9];
    if (!archive::is_safe_relative_path(output.file.path)) return std::nullopt;
    outputs.push_back(std::move(output));
  }
  return record;
}

namespace {

// Which of `recorded` are on disk under `package_root` exactly as recorded: untouched since
// (same stat data), or touched but still holding the same bytes. Each folder is opened once and
// its outputs looked at from there, folders side by side; a folder that is gone (`rm -rf lib`)
// means all its outputs changed.
std::vector<char> still_as_recorded(const fs::path& package_root,
                                    const std::vector<const OutputState::Output*>& recorded) {
  std::map<std::string_view, std::vector<std::size_t>> by_folder;
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    by_folder[archive::split_parent(recorded[i]->file.path).first].push_back(i);
  }
  std::vector<const std::pair<const std::string_view, std::vector<std::size_t>>*> folders;
  for (const auto& folder : by_folder) folders.push_back(&folder);
  std::vector<char> intact(recorded.size(), 0);
  util::parallel_for(folders.size(), [&](std::size_t f) {
    const auto& [folder, items] = *folders[f];
    const fs::path folder_path = folder.empty() ? package_root : package_root / folder;
    util::Fd dir(::open(folder_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return;
    for (std::size_t i : items) {
      const auto& output = *recorded[i];
      const std::string name(archive::split_parent(output.file.path).second);
      struct stat info {};
      if (::fstatat(dir.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
      intact[i] = same_stat(output, info) ||
                  content_matches(package_root / output.file.path, output.file);  // touched
    }
  });
  return intact;
}

bool same_content(const archive::OutputFile& a, const archive::OutputFile& b) {
  return a.type == b.type && a.digest == b.digest && a.mode == b.mode && a.size == b.size &&
         a.link_target == b.link_target;
}

}  // namespace

std::optional<OutputState::Comparison> OutputState::changed_outputs(
    const std::string& package, const std::string& key, const fs::path& package_root) const {
  auto state = load(package, &key);
  if (!state) return std::nullopt;  // another key, or none
  // An entry without outputs goes the long way, which says that it restores nothing.
  if (state->outputs.empty()) return std::nullopt;
  std::vector<const Output*> recorded;
  for (const auto& output : state->outputs) recorded.push_back(&output);
  auto intact = still_as_recorded(package_root, recorded);
  Comparison comparison{{}, state->command_ms, state->log};
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    if (!intact[i]) comparison.changed.push_back(recorded[i]->file.path);
  }
  return comparison;
}

std::set<std::string> OutputState::already_in_place(
    const std::string& package, const fs::path& package_root,
    const std::vector<archive::OutputFile>& wanted) const {
  auto state = load(package);
  if (!state) return {};
  std::map<std::string_view, const Output*> by_path;
  for (const auto& output : state->outputs) by_path[output.file.path] = &output;
  std::vector<const Output*> candidates;
  for (const auto& file : wanted) {
    auto found = by_path.find(file.path);
    if (found != by_path.end() && same_content(found->second->file, file)) {
      candidates.push_back(found->second);
    }
  }
  auto intact = still_as_recorded(package_root, candidates);
  std::set<std::string> paths;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (intact[i]) paths.insert(candidates[i]->file.path);
  }
  return paths;
}

}  // namespace memo::store
