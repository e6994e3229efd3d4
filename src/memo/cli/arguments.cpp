#include "memo/cli/arguments.hpp"

#include <nlohmann/json.hpp>

#include "memo/util/json.hpp"

namespace memo::cli {

namespace {

// Flags that set a config value for this run: flag -> config key.
struct SettingFlag {
  std::string_view flag;
  std::string_view key;
};
constexpr SettingFlag kSettingFlags[] = {
    {"--log-level", "logLevel"},
    {"--mode", "mode"},
    {"--cache-provider", "cacheStorageConfig"},
    {"--output-glob", "outputGlob"},
};

}  // namespace

std::string Arguments::command() const {
  std::string joined;
  for (const auto& word : command_words) {
    if (!joined.empty()) joined += ' ';
    joined += word;
  }
  return joined;
}

std::expected<Arguments, std::string> parse_arguments(int argc, const char* const* argv) {
  Arguments args;
  nlohmann::json output_globs = nlohmann::json::array();
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") {
      args.saw_separator = true;
      for (++i; i < argc; ++i) args.command_words.emplace_back(argv[i]);
      break;
    }
    if (word == "-h" || word == "--help") {
      args.help = true;
      continue;
    }
    if (word == "--version" || word == "-V") {
      args.version = true;
      continue;
    }
    if (word == "--json") {
      args.json = true;
      continue;
    }
    if (word == "--force") {
      args.force = true;
      continue;
    }
    if (word == "--manifest") {
      args.manifest = true;
      continue;
    }
    if (!word.starts_with("-")) {
      if (args.subcommand.empty() && (word == "hash" || word == "config" || word == "explain" ||
                                      word == "cache" || word == "help")) {
        args.subcommand = word == "help" ? "" : word;
        args.help |= word == "help";
        continue;
      }
      if (args.subcommand == "cache" && args.cache_action.empty() &&
          (word == "stats" || word == "prune")) {
        args.cache_action = word;
        continue;
      }
      return std::unexpected("unexpected \"" + word +
                             "\"; put the command after --, as in: memo -- tsc -b");
    }
    std::string name = word, value;
    bool has_value = false;
    if (auto equals = word.find('='); equals != std::string::npos) {
      name = word.substr(0, equals);
      value = word.substr(equals + 1);
      has_value = true;
    }
    auto take_value = [&]() -> std::expected<std::string, std::string> {
      if (has_value) return value;
      // "--" starts the command; it is never a value ("memo --mode -- tsc" lacks the mode).
      if (i + 1 >= argc || std::string_view(argv[i + 1]) == "--") {
        return std::unexpected(name + " needs a value");
      }
      return std::string(argv[++i]);
    };
    const SettingFlag* setting = nullptr;
    for (const auto& candidate : kSettingFlags) {
      if (candidate.flag == name) setting = &candidate;
    }
    if (setting) {
      auto text = take_value();
      if (!text) return std::unexpected(text.error());
      std::string key(setting->key);
      args.flags.names[key] = name;
      if (key == "outputGlob") {
        // Repeatable; a JSON array is taken whole.
        auto parsed = util::parse_json(*text);
        if (text->starts_with("[") && parsed && parsed->is_array()) {
          for (const auto& glob : *parsed) output_globs.push_back(glob);
        } else {
          output_globs.push_back(*text);
        }
        args.flags.values[key] = output_globs.dump();
      } else {
        args.flags.values[key] = *text;
      }
    } else if (name == "--config") {
      auto text = take_value();
      if (!text) return std::unexpected(text.error());
      args.flags.config_file = *text;
    } else if (name == "--max-size" || name == "--max-age") {
      auto text = take_value();
      if (!text) return std::unexpected(text.error());
      (name == "--max-size" ? args.max_size : args.max_age) = *text;
    } else if (name == "--cwd") {
      auto text = take_value();
      if (!text) return std::unexpected(text.error());
      args.cwd = *text;
    } else {
      return std::unexpected("unknown option " + name + "; see memo --help");
    }
  }
  return args;
}

}  // namespace memo::cli
