#include "memo/archive/link_containment.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <map>
#include <set>

#include "memo/archive/confined_dir.hpp"
#include "memo/util/fd.hpp"

namespace memo::archive {

namespace {

// As many links as Linux follows in one path lookup before it gives up (ELOOP).
constexpr int kMaxLinkHops = 40;

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& folder, const std::string& name) {
  std::string path;
  for (const auto& part : folder) path += part + "/";
  return path + name;
}

// The package as it will stand once the outputs are in place: their links and folders first,
// then what the disk holds.
class PackageView {
 public:
  PackageView(int package_fd, const std::vector<OutputFile>& outputs) : package_fd_(package_fd) {
    for (const auto& output : outputs) {
      if (output.type == OutputFile::Type::Symlink) {
        links_[output.path] = output.link_target;
      } else {
        files_.insert(output.path);
      }
      for (std::size_t slash = output.path.find('/'); slash != std::string::npos;
           slash = output.path.find('/', slash + 1)) {
        folders_.insert(output.path.substr(0, slash));
      }
    }
  }

  // The target of the link at `path`, or nullopt when no link stands there.
  std::optional<std::string> link_at(const std::string& path) const {
    if (auto found = links_.find(path); found != links_.end()) return found->second;
    if (folders_.contains(path) || files_.contains(path)) return std::nullopt;
    return link_on_disk(path);
  }

 private:
  std::optional<std::string> link_on_disk(const std::string& path) const {
    auto [parent, name] = split_parent(path);
    auto dir = open_dir_beneath(package_fd_, parent);
    if (!dir) return std::nullopt;  // not there (or not a folder): nothing to follow
    util::Fd dir_fd = std::move(*dir);
    std::string leaf(name);
    struct stat info {};
    if (::fstatat(dir_fd.get(), leaf.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISLNK(info.st_mode)) {
      return std::nullopt;
    }
    char target[4096];
    ssize_t size = ::readlinkat(dir_fd.get(), leaf.c_str(), target, sizeof target);
    // A link that cannot be read cannot be proved to stay: "/" makes it leave.
    return size < 0 ? std::string("/") : std::string(target, static_cast<std::size_t>(size));
  }

  int package_fd_;
  std::map<std::string, std::string> links_;
  std::set<std::string> files_;
  std::set<std::string> folders_;
};

bool stays_inside(const PackageView& view, const std::string& link_path,
                  const std::string& target) {
  std::vector<std::string> folder = components(link_path);
  if (!folder.empty()) folder.pop_back();
  std::deque<std::string> pending;
  for (auto& part : components(target)) pending.push_back(std::move(part));
  if (target.empty() || target.front() == '/') return false;
  int hops = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (folder.empty()) return false;
      folder.pop_back();
      continue;
    }
    if (auto next = view.link_at(join(folder, part))) {
      if (++hops > kMaxLinkHops || next->empty() || next->front() == '/') return false;
      auto more = components(*next);
      pending.insert(pending.begin(), more.begin(), more.end());
      continue;
    }
    folder.push_back(std::move(part));
  }
  return true;
}

}  // namespace

std::optional<std::string> first_link_leaving_package(int package_fd,
                                                      const std::vector<OutputFile>& outputs) {
  const PackageView view(package_fd, outputs);
  for (const auto& output : outputs) {
    if (output.type != OutputFile::Type::Symlink) continue;
    if (!stays_inside(view, output.path, output.link_target)) return output.path;
  }
  return std::nullopt;
}

}  // namespace memo::archive
