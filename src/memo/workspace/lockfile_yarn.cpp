// yarn v1's yarn.lock: blocks keyed by "name@range" specifiers, two spaces per level.
//
//   "@babel/core@^7.0.0", "@babel/core@^7.1.0":
//     version "7.1.2"
//     resolved "https://registry.yarnpkg.com/@babel/core/-/core-7.1.2.tgz#..."
//     dependencies:
//       "@babel/code-frame" "^7.0.0"

#include <optional>
#include <unordered_map>

#include "memo/workspace/lockfile_internal.hpp"

namespace memo::workspace::lockfile_detail {

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Entry {
  std::vector<std::string> specifiers;
  std::string version;
  std::string resolved;
  Pairs dependencies;
  Pairs optional_dependencies;
  int line = 0;
};

class YarnV1Graph : public Graph {
 public:
  // What `parent` ("" for a workspace package) requiring `name@range` gets: through a
  // resolution of the root package.json first, else the range itself.
  std::optional<std::uint32_t> find(std::string_view parent, const std::string& name,
                                    const std::string& range) const {
    if (const std::string* value = resolve_range(resolutions, parent, name, range)) {
      auto found = by_specifier.find(name + "@" + *value);
      if (found != by_specifier.end()) return found->second;
    }
    auto found = by_specifier.find(name + "@" + range);
    if (found == by_specifier.end()) return std::nullopt;
    return found->second;
  }

  Declared resolve_declared(const std::string&, const std::string& name,
                            const std::string& range) const override {
    auto found = find("", name, range);
    return found ? Declared::of(*found) : Declared::unresolved();
  }

  Resolutions resolutions;
  std::unordered_map<std::string, std::uint32_t> by_specifier;
};

// A JSON string literal starting at text[at]; `at` ends past its closing quote.
std::optional<std::string> json_string(std::string_view text, std::size_t& at) {
  std::size_t close = text.find('"', at + 1);
  if (close != std::string_view::npos &&
      text.substr(at + 1, close - at - 1).find('\\') == std::string_view::npos) {
    std::string out(text.substr(at + 1, close - at - 1));
    at = close + 1;
    return out;
  }
  std::string out;
  ++at;
  while (at < text.size()) {
    char c = text[at++];
    if (c == '"') return out;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (at >= text.size()) return std::nullopt;
    char escape = text[at++];
    constexpr std::string_view kSimple = "\"\\/bfnrt";
    constexpr std::string_view kSimpleValue = "\"\\/\b\f\n\r\t";
    if (std::size_t simple = kSimple.find(escape); simple != std::string_view::npos) {
      out += kSimpleValue[simple];
    } else if (escape == 'u') {
      auto code = at + 4 <= text.size() ? hex_value(text.substr(at, 4)) : std::nullopt;
      if (!code) return std::nullopt;
      append_utf8(out, *code);
      at += 4;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A whole value: "quoted" or bare.
std::optional<std::string> value_of(std::string_view text) {
  text = trim(text);
  if (text.empty() || text[0] != '"') return std::string(text);
  std::size_t at = 0;
  auto value = json_string(text, at);
  if (!value || at != text.size()) return std::nullopt;
  return value;
}

// The real package name of a specifier: "ms" for "my-ms@npm:ms@2.1.2".
std::string package_name(std::string_view specifier) {
  std::string_view name = descriptor_name(specifier);
  if (name.size() < specifier.size()) {
    std::string_view range = specifier.substr(name.size() + 1);
    if (range.starts_with("npm:") && range.size() > 4) {
      return std::string(descriptor_name(range.substr(4)));
    }
  }
  return std::string(name);
}

}  // namespace

ParseResult parse_yarn_v1(std::string_view bytes, const std::string& name,
                          const Resolutions& resolutions) {
  std::string_view text = bytes;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<Entry> entries;
  std::string block;  // the open "dependencies:" (or other) block of the current entry
  int line_number = 0;
  auto error = [&](const std::string& what) {
    return std::unexpected(name + ":" + std::to_string(line_number) + ": " + what);
  };

  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    ++line_number;
    std::size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    std::string_view content = trim(line.substr(indent));
    if (content.empty()) continue;
    if (content[0] == '#') {
      constexpr std::string_view kMarker = "# yarn lockfile v";
      if (indent == 0 && content.starts_with(kMarker) && content.substr(kMarker.size()) != "1") {
        return error("\"" + std::string(content) +
                     "\" is not a yarn lockfile version this code knows (v1)");
      }
      continue;
    }
    if (indent % 2 != 0) return error("indentation is not a multiple of two spaces");

    if (indent == 0) {
      if (!content.ends_with(":")) return error("expected \"name@range:\" to start an entry");
      content.remove_suffix(1);
      Entry entry;
      entry.line = line_number;
      std::size_t at = 0;
      while (at <= content.size()) {
        while (at < content.size() && content[at] == ' ') ++at;
        std::string specifier;
        if (at < content.size() && content[at] == '"') {
          auto quoted = json_string(content, at);
          if (!quoted) return error("unterminated string in an entry's key");
          specifier = std::move(*quoted);
          while (at < content.size() && content[at] == ' ') ++at;
          if (at < content.size() && content[at] != ',') {
            return error("expected ',' after a quoted key");
          }
        } else {
          std::size_t comma = content.find(',', at);
          if (comma == std::string_view::npos) comma = content.size();
          specifier = std::string(trim(content.substr(at, comma - at)));
          at = comma;
        }
        if (specifier.empty() || specifier.find('@', 1) == std::string::npos) {
          return error("\"" + specifier + "\" is not a \"name@range\" key");
        }
        entry.specifiers.push_back(std::move(specifier));
        ++at;  // past the comma
      }
      entries.push_back(std::move(entry));
      block.clear();
      continue;
    }

    if (entries.empty()) return error("an indented line before the first entry");
    Entry& entry = entries.back();
    std::string key;
    std::size_t at = 0;
    if (content[0] == '"') {
      auto quoted = json_string(content, at);
      if (!quoted) return error("unterminated string");
      key = std::move(*quoted);
    } else {
      at = content.find_first_of(" :");
      if (at == std::string_view::npos) at = content.size();
      key = std::string(content.substr(0, at));
    }
    std::string_view rest = trim(content.substr(at));
    if (indent == 2) {
      if (rest == ":") {
        block = key;
        continue;
      }
      block.clear();
      auto value = value_of(rest);
      if (!value) return error("unterminated string");
      if (key == "version") {
        entry.version = std::move(*value);
      } else if (key == "resolved") {
        entry.resolved = std::move(*value);
      }
    } else if (indent == 4 && (block == "dependencies" || block == "optionalDependencies")) {
      auto value = value_of(rest);
      if (!value || value->empty()) return error("expected a dependency's name and range");
      (block == "dependencies" ? entry.dependencies : entry.optional_dependencies)
          .emplace_back(std::move(key), std::move(*value));
    }
  }

  auto graph = std::make_unique<YarnV1Graph>();
  graph->resolutions = resolutions;
  graph->nodes.resize(entries.size());
  for (std::uint32_t i = 0; i < entries.size(); ++i) {
    for (const auto& specifier : entries[i].specifiers) graph->by_specifier.emplace(specifier, i);
  }
  for (std::uint32_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    if (entry.version.empty()) {
      return std::unexpected(name + ":" + std::to_string(entry.line) + ": the entry \"" +
                             entry.specifiers.front() + "\" has no version");
    }
    Node& node = graph->nodes[i];
    node.label = package_name(entry.specifiers.front()) + "@" + entry.version;
    if (!entry.resolved.empty() && !is_registry_tarball(entry.resolved)) {
      node.label += " (" + entry.resolved + ")";
    }
    for (bool optional : {false, true}) {
      for (const auto& [dependency, range] :
           optional ? entry.optional_dependencies : entry.dependencies) {
        auto found = graph->find(package_name(entry.specifiers.front()), dependency, range);
        if (found) {
          node.dependencies.push_back(*found);
        } else if (!optional) {
          node.unresolved.emplace_back(dependency, dependency + "@" + range + " (unresolved)");
        }
      }
    }
  }
  return graph;
}

}  // namespace memo::workspace::lockfile_detail
