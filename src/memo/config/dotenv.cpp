#include "memo/config/dotenv.hpp"

#include <cctype>
#include <optional>
#include <utility>

namespace memo::config {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

bool is_valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

// Reads a quoted value starting at text[0] (the quote). Multi-line double-quoted values are
// supported by the caller passing the rest of the file. Without a closing quote there is no
// quoted value (dotenv then reads the line as an unquoted value).
std::optional<std::string> unquote(std::string_view text, std::size_t& consumed) {
  char quote = text[0];
  std::string value;
  std::size_t i = 1;
  for (; i < text.size() && text[i] != quote; ++i) {
    if (quote == '"' && text[i] == '\\' && i + 1 < text.size()) {
      char next = text[++i];
      value += next == 'n' ? '\n' : next == 'r' ? '\r' : next == 't' ? '\t' : next;
    } else {
      value += text[i];
    }
  }
  if (i >= text.size()) return std::nullopt;
  consumed = i + 1;
  return value;
}

}  // namespace

std::map<std::string, std::string> parse_dotenv(std::string_view text) {
  std::map<std::string, std::string> values;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    std::size_t next = end + 1;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    std::size_t equals = line.find('=');
    if (line.empty() || line.front() == '#' || equals == std::string_view::npos) {
      pos = next;
      continue;
    }
    std::string_view name = trim(line.substr(0, equals));
    if (!is_valid_name(name)) {
      pos = next;
      continue;
    }
    std::size_t value_start = static_cast<std::size_t>(line.data() - text.data()) + equals + 1;
    while (value_start < text.size() && (text[value_start] == ' ' || text[value_start] == '\t')) {
      ++value_start;
    }
    std::optional<std::string> quoted;
    std::size_t consumed = 0;
    if (value_start < text.size() &&
        (text[value_start] == '"' || text[value_start] == '\'' || text[value_start] == '`')) {
      quoted = unquote(text.substr(value_start), consumed);
    }
    std::string value;
    if (quoted) {
      value = std::move(*quoted);
      std::size_t after = value_start + consumed;
      std::size_t line_end = text.find('\n', after);
      next = line_end == std::string_view::npos ? text.size() : line_end + 1;
    } else {
      // From just after '=', so a comment right after the spaces ("KEY= # note") is one too.
      std::size_t after_equals = static_cast<std::size_t>(line.data() - text.data()) + equals + 1;
      std::string_view raw = text.substr(after_equals, end - std::min(end, after_equals));
      std::size_t comment = raw.find(" #");
      if (comment != std::string_view::npos) raw = raw.substr(0, comment);
      value = std::string(trim(raw));
    }
    values[std::string(name)] = value;
    pos = next;
  }
  return values;
}

}  // namespace memo::config
