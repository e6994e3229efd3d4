#include "memo/store/restore_journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "memo/archive/confined_dir.hpp"
#include "memo/archive/output_file.hpp"
#include "memo/hash/manifest.hpp"
#include "memo/hash/manifest_diff.hpp"
#include "memo/util/dir.hpp"
#include "memo/util/fd.hpp"
#include "memo/util/files.hpp"
#include "memo/util/staging_name.hpp"

namespace memo::store {

namespace fs = std::filesystem;

namespace {

fs::path journal_folder(const fs::path& store_root) {
  return store_root / "restoring";
}

// The pid a note's name starts with ("<pid>.<n>"), when that process is gone.
bool owner_is_gone(std::string_view name) {
  long pid = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (error != std::errc() || end == name.data() || *end != '.' || pid <= 0) return false;
  return pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Removes the stale staging files in the folders a note names.
void sweep_note(const std::string& text) {
  std::size_t newline = text.find('\n');
  if (newline == std::string::npos) return;
  auto header = hash::split_manifest_line(std::string_view(text).substr(0, newline));
  if (header.size() != 2 || header[0] != "package") return;
  util::Fd root(::open(header[1].c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return;
  std::string_view rest = std::string_view(text).substr(newline + 1);
  while (!rest.empty()) {
    newline = rest.find('\n');
    if (newline == std::string_view::npos) return;  // torn
    auto fields = hash::split_manifest_line(rest.substr(0, newline));
    rest.remove_prefix(newline + 1);
    if (fields.size() != 2 || fields[0] != "folder") return;
    if (!fields[1].empty() && !archive::is_safe_relative_path(fields[1])) return;
    if (auto dir = archive::open_dir_beneath(root.get(), fields[1])) {
      util::remove_stale_staging_files(dir->get());
    }
  }
}

}  // namespace

RestoreJournal::RestoreJournal(const fs::path& store_root, const fs::path& package_root,
                               const std::vector<std::string>& folders) {
  std::string text;
  hash::append_manifest_line(text, "package", {package_root.string()});
  for (const auto& folder : folders) hash::append_manifest_line(text, "folder", {folder});
  fs::path file = journal_folder(store_root) / util::unique_temp_name("");
  // unique_temp_name("") is ".<pid>.<n>.tmp": the note is named "<pid>.<n>".
  std::string name = file.filename().string();
  file.replace_filename(name.substr(1, name.size() - 5));
  if (util::write_file_atomically(file, text)) file_ = std::move(file);
}

RestoreJournal::~RestoreJournal() {
  if (!file_.empty()) ::unlink(file_.c_str());
}

void sweep_interrupted_restores(const fs::path& store_root) {
  const fs::path folder = journal_folder(store_root);
  std::vector<std::string> gone;
  {
    util::Dir dir(folder.c_str());
    if (!dir) return;
    while (dirent* entry = ::readdir(dir.get())) {
      if (owner_is_gone(entry->d_name)) gone.emplace_back(entry->d_name);
    }
  }
  for (const auto& name : gone) {
    if (auto text = util::read_file(folder / name)) sweep_note(*text);
    ::unlink((folder / name).c_str());
  }
}

}  // namespace memo::store
