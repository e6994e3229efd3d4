#include "memo/hash/git_config.hpp"

#include <algorithm>
#include <cctype>

#include "memo/util/ascii.hpp"
#include "memo/util/files.hpp"

namespace memo::hash {

namespace fs = std::filesystem;

namespace {

// git stops at this depth too.
constexpr int kMaxIncludeDepth = 10;

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
}

// Reads one config text char by char, as git's own parser does.
class ConfigParser {
 public:
  ConfigParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  std::vector<GitConfigEntry> parse() {
    while (pos_ < text_.size()) {
      skip_blanks();
      if (pos_ >= text_.size()) break;
      const char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
      } else if (c == '#' || c == ';') {
        skip_line();
      } else if (c == '[') {
        if (!read_section()) skip_line();
      } else if (is_name_char(c) && !section_.empty()) {
        read_entry();
      } else {
        skip_line();
      }
    }
    return std::move(entries_);
  }

 private:
  void skip_blanks() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\f')) {
      ++pos_;
    }
  }
  void skip_line() {
    const std::size_t eol = text_.find('\n', pos_);
    pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
  }

  // "[section]", "[section.sub]" (old style, lowercased) or "[section "sub"]".
  bool read_section() {
    ++pos_;
    std::string name;
    while (pos_ < text_.size() && (is_name_char(text_[pos_]) || text_[pos_] == '.')) {
      name.push_back(text_[pos_++]);
    }
    if (name.empty()) return false;
    name = util::ascii_lowercase(name);
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      std::string sub;
      while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n') {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        sub.push_back(text_[pos_++]);
      }
      if (pos_ >= text_.size() || text_[pos_] != '"') return false;
      ++pos_;
      name += "." + sub;
    }
    if (pos_ >= text_.size() || text_[pos_] != ']') return false;
    ++pos_;
    section_ = std::move(name);
    return true;  // A setting may follow on the same line.
  }

  void read_entry() {
    std::string name;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) name.push_back(text_[pos_++]);
    skip_blanks();
    std::string value;
    if (pos_ < text_.size() && text_[pos_] == '=') {
      ++pos_;
      value = read_value();
    } else if (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '#' &&
               text_[pos_] != ';') {
      skip_line();  // Not a setting git would take.
      return;
    } else {
      skip_line();
    }
    entries_.push_back({section_ + "." + util::ascii_lowercase(name), std::move(value), source_});
  }

  // The value up to the end of its line: quotes kept together, comments dropped, escapes and
  // line continuations applied, blanks at either end trimmed (unless quoted).
  std::string read_value() {
    skip_blanks();
    std::string value;
    std::size_t kept = 0;  // length without trailing unquoted blanks
    bool quoted = false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '\n') {
        break;
      } else if (!quoted && (c == '#' || c == ';')) {
        skip_line();
        break;
      } else if (c == '"') {
        quoted = !quoted;
        kept = value.size();
      } else if (c == '\\' && pos_ < text_.size()) {
        const char next = text_[pos_++];
        if (next == '\n') continue;
        value.push_back(next == 'n' ? '\n' : next == 't' ? '\t' : next == 'b' ? '\b' : next);
        kept = value.size();
      } else {
        value.push_back(c);
        if (quoted || (c != ' ' && c != '\t' && c != '\r')) kept = value.size();
      }
    }
    value.resize(kept);
    return value;
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
  std::string section_;
  std::vector<GitConfigEntry> entries_;
};

bool is_include(const std::string& key) {
  if (key == "include.path") return true;
  return key.starts_with("includeif.") && key.ends_with(".path");
}

fs::path include_target(const std::string& value, const fs::path& including_file,
                        const std::optional<fs::path>& home) {
  if (value.starts_with("~/") && home) return *home / value.substr(2);
  fs::path target(value);
  return target.is_absolute() ? target : including_file.parent_path() / target;
}

void read_into(const fs::path& file, const std::optional<fs::path>& home, int depth,
               std::vector<GitConfigEntry>& out) {
  auto text = util::read_file(file);
  if (!text) return;
  for (GitConfigEntry& entry : parse_git_config(*text, file.string())) {
    const bool include = is_include(entry.key) && !entry.value.empty();
    const fs::path target = include ? include_target(entry.value, file, home) : fs::path();
    out.push_back(std::move(entry));
    if (include && depth < kMaxIncludeDepth) read_into(target, home, depth + 1, out);
  }
}

}  // namespace

std::vector<GitConfigEntry> parse_git_config(std::string_view text, const std::string& source) {
  return ConfigParser(text, source).parse();
}

std::vector<GitConfigEntry> read_git_config(const fs::path& file,
                                            const std::optional<fs::path>& home) {
  std::vector<GitConfigEntry> entries;
  read_into(file, home, 0, entries);
  return entries;
}

bool git_config_false(std::string_view value) {
  const std::string lower = util::ascii_lowercase(value);
  if (lower == "false" || lower == "no" || lower == "off") return true;
  return !lower.empty() && std::all_of(lower.begin(), lower.end(), [](char c) { return c == '0'; });
}

}  // namespace memo::hash
