#include "memo/hash/manifest_diff.hpp"

#include <map>
#include <set>

namespace memo::hash {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Kinds whose lines are keyed by their first field (a path or a name); the others are compared
// as a whole.
bool keyed_by_first_field(const std::string& kind) {
  return kind == "file" || kind == "root-file" || kind == "dependency" || kind == "env" ||
         kind == "lock" || kind == "root-lock";
}

std::string join(const std::set<std::string>& values, const char* separator = ", ") {
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : separator) + value;
  return out;
}

struct Parsed {
  std::string header;
  // kind -> subject -> set of values ("" subject for whole-line kinds)
  std::map<std::string, std::map<std::string, std::set<std::string>>> lines;
};

Parsed parse(std::string_view text) {
  Parsed parsed;
  std::size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (first) {
      parsed.header = std::string(line);
      first = false;
      continue;
    }
    auto fields = split_manifest_line(line);
    if (fields.empty()) continue;
    std::string kind = fields[0];
    std::string subject, value;
    std::size_t first_value = 1;
    if (keyed_by_first_field(kind) && fields.size() > 1) {
      subject = fields[1];
      first_value = 2;
    }
    for (std::size_t i = first_value; i < fields.size(); ++i) {
      value += (i > first_value ? " " : "") + fields[i];
    }
    parsed.lines[kind][subject].insert(value);
  }
  return parsed;
}

}  // namespace

std::vector<std::string> split_manifest_line(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t space = line.find(' ');
  fields.emplace_back(line.substr(0, space));
  std::size_t i = space;
  while (i != std::string_view::npos && i < line.size()) {
    if (line[i] != ' ' || i + 1 >= line.size() || line[i + 1] != '"') return {};
    i += 2;
    std::string field;
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\' && i + 1 < line.size()) {
        if (line[i + 1] == 'x' && i + 3 < line.size()) {
          int high = hex_value(line[i + 2]), low = hex_value(line[i + 3]);
          if (high < 0 || low < 0) return {};
          field += static_cast<char>(high * 16 + low);
          i += 4;
        } else {
          field += line[i + 1];
          i += 2;
        }
      } else {
        field += line[i++];
      }
    }
    if (i >= line.size()) return {};
    fields.push_back(std::move(field));
    ++i;  // the closing quote
  }
  return fields;
}

std::vector<ManifestChange> diff_manifests(std::string_view before_text,
                                           std::string_view after_text) {
  Parsed before = parse(before_text), after = parse(after_text);
  std::vector<ManifestChange> changes;
  if (before.header != after.header) {
    changes.push_back({"format", "changed", "", before.header, after.header});
  }
  std::set<std::string> kinds;
  for (const auto& [kind, _] : before.lines) kinds.insert(kind);
  for (const auto& [kind, _] : after.lines) kinds.insert(kind);
  static const std::map<std::string, std::set<std::string>> kEmpty;
  for (const auto& kind : kinds) {
    const auto& old_lines = before.lines.count(kind) ? before.lines.at(kind) : kEmpty;
    const auto& new_lines = after.lines.count(kind) ? after.lines.at(kind) : kEmpty;
    std::set<std::string> subjects;
    for (const auto& [subject, _] : old_lines) subjects.insert(subject);
    for (const auto& [subject, _] : new_lines) subjects.insert(subject);
    for (const auto& subject : subjects) {
      auto old_values = old_lines.count(subject) ? old_lines.at(subject) : std::set<std::string>{};
      auto new_values = new_lines.count(subject) ? new_lines.at(subject) : std::set<std::string>{};
      if (old_values == new_values) continue;
      ManifestChange change{kind, "changed", subject, join(old_values), join(new_values)};
      if (!keyed_by_first_field(kind)) {
        // Whole-line kinds (command, output-glob, …) show both sides.
      } else if (old_values.empty()) {
        change.change = "added";
      } else if (new_values.empty()) {
        change.change = "removed";
      } else if (kind == "file" || kind == "root-file") {
        // "<mode> <blob>": the same blob under another mode is a mode change.
        std::string old_blob = change.before.substr(change.before.find(' ') + 1);
        std::string new_blob = change.after.substr(change.after.find(' ') + 1);
        if (old_blob == new_blob) change.change = "mode";
      }
      changes.push_back(std::move(change));
    }
  }
  return changes;
}

std::string describe_change(const ManifestChange& change) {
  const std::string& kind = change.kind;
  if (kind == "file" || kind == "root-file") {
    if (change.change == "mode") {
      return "mode     " + change.subject + " (" + change.before.substr(0, 6) + " -> " +
             change.after.substr(0, 6) + ")";
    }
    std::string verb = change.change;
    verb.resize(8, ' ');
    return verb + " " + change.subject;
  }
  if (kind == "env") return "env      " + change.subject + " " + change.change;
  if (kind == "dependency") {
    return "dependency " + change.subject + " " + change.change +
           (change.after.empty() ? "" : " (" + change.after + ")");
  }
  if (kind == "lock") {
    if (change.change == "added")
      return "lockfile " + change.subject + " " + change.after + " added";
    if (change.change == "removed") {
      return "lockfile " + change.subject + " " + change.before + " removed";
    }
    return "lockfile " + change.subject + " " + change.before + " -> " + change.after;
  }
  if (kind == "root-lock") {
    const std::string what = "root dependency " + change.subject + " ";
    if (change.change == "added") return what + change.after + " added";
    if (change.change == "removed") return what + change.before + " removed";
    return what + change.before + " -> " + change.after;
  }
  if (kind == "format")
    return "memo's entry format changed (" + change.before + " -> " + change.after + ")";
  if (kind == "cache-key") return "cacheKey changed";  // its values are digests
  std::string name = kind == "output-glob" ? "outputGlob" : kind;
  return name + " changed: \"" + change.before + "\" -> \"" + change.after + "\"";
}

}  // namespace memo::hash
