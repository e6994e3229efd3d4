#include "memo/hash/gitignore.hpp"

#include "memo/util/files.hpp"

namespace memo::hash {

namespace {

// Turns one .gitignore line into a glob in GlobSet's syntax, or "" for blanks and comments.
std::string to_glob(std::string_view line, bool& negated, bool& folders_only) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // Trailing spaces are dropped unless escaped.
  while (!line.empty() && line.back() == ' ' &&
         !(line.size() >= 2 && line[line.size() - 2] == '\\')) {
    line.remove_suffix(1);
  }
  if (line.empty() || line.front() == '#') return "";
  negated = line.front() == '!';
  if (negated) line.remove_prefix(1);
  folders_only = !line.empty() && line.back() == '/';
  while (!line.empty() && line.back() == '/') line.remove_suffix(1);
  if (line.empty()) return "";
  bool anchored = line.find('/') != std::string_view::npos;
  while (!line.empty() && line.front() == '/') line.remove_prefix(1);
  if (line.empty()) return "";
  std::string glob = anchored ? "" : "**/";
  for (char c : line) {
    // git has no brace alternatives and no extglobs.
    if (c == '{' || c == '}' || c == ',' || c == '(') glob += '\\';
    glob += c;
  }
  return glob;
}

}  // namespace

void GitignoreRules::add_file(std::string_view base, std::string_view text) {
  add_rules(base.empty() ? "" : std::string(base) + "/", "", text);
}

void GitignoreRules::add_ancestor_file(std::string_view root_below_it, std::string_view text) {
  if (root_below_it.empty()) return add_file("", text);
  add_rules("", std::string(root_below_it), text);
}

void GitignoreRules::add_rules(std::string base, std::string up, std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    bool negated = false, folders_only = false;
    std::string glob = to_glob(text.substr(start, end - start), negated, folders_only);
    start = end + 1;
    if (glob.empty()) continue;
    auto compiled = GlobSet::compile({glob});
    if (!compiled) continue;  // git skips patterns it cannot use; so does memo
    rules_.push_back({base, up, std::move(*compiled), negated, folders_only});
  }
}

void GitignoreRules::add_file_if_present(const std::filesystem::path& folder,
                                         std::string_view base) {
  auto text = util::read_file(folder / ".gitignore");
  if (text) add_file(base, *text);
}

bool GitignoreRules::is_ignored(std::string_view path, bool is_folder) const {
  bool ignored = false;
  for (const auto& rule : rules_) {
    if (rule.folders_only && !is_folder) continue;
    std::string_view relative = path;
    if (!rule.up.empty()) {
      // A rule from above the root sees "<up>/<path>"; built in a reused buffer.
      scratch_.assign(rule.up).append("/").append(path);
      relative = scratch_;
    } else if (!rule.base.empty()) {
      if (!path.starts_with(rule.base)) continue;
      relative = path.substr(rule.base.size());
    }
    if (rule.glob.matches(relative)) ignored = !rule.negated;
  }
  return ignored;
}

}  // namespace memo::hash
