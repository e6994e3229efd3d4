#include "memo/cli/arguments.hpp"

#include <algorithm>
#include <span>

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
    {"--log-level", "logLevel"},       {"--mode", "mode"},
    {"--restore-mode", "restoreMode"}, {"--cache-provider", "cacheStorageConfig"},
    {"--output-glob", "outputGlob"},
};

// Flags that take no value: flag -> what they turn on.
struct Switch {
  std::string_view flag;
  bool Arguments::*field;
};
constexpr Switch kSwitches[] = {
    {"-h", &Arguments::help},
    {"--help", &Arguments::help},
    {"-V", &Arguments::version},
    {"--version", &Arguments::version},
    {"--json", &Arguments::json},
    {"--force", &Arguments::force},
    {"--no-remote", &Arguments::no_remote},
    {"--manifest", &Arguments::manifest},
    {"--continue", &Arguments::keep_going},
    {"--only", &Arguments::only},
    {"--dry-run", &Arguments::dry_run},
    {"--graph", &Arguments::graph},
};

// Options that take a value and are no config setting.
constexpr std::string_view kValueOptions[] = {"--config",      "--cwd",   "--max-size", "--max-age",
                                              "--to",          "--scope", "--from",     "--summary",
                                              "--concurrency", "--since"};

constexpr std::string_view kSubcommands[] = {"hash", "config", "explain", "cache", "run", "help"};
constexpr std::string_view kCacheActions[] = {"stats", "prune"};

bool is_one_of(std::string_view word, std::span<const std::string_view> words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// Reads argv one word at a time.
class ArgumentReader {
 public:
  ArgumentReader(int argc, const char* const* argv) : argc_(argc), argv_(argv) {}

  std::expected<Arguments, std::string> read() {
    for (i_ = 1; i_ < argc_; ++i_) {
      std::string word = argv_[i_];
      if (word == "--") {
        args_.saw_separator = true;
        for (++i_; i_ < argc_; ++i_) args_.command_words.emplace_back(argv_[i_]);
        break;
      }
      auto taken = word.starts_with("-") ? take_option(word) : take_word(word);
      if (!taken) return std::unexpected(taken.error());
    }
    return std::move(args_);
  }

 private:
  // A subcommand, or the action of `memo cache`.
  std::expected<void, std::string> take_word(const std::string& word) {
    if (args_.subcommand.empty() && is_one_of(word, kSubcommands)) {
      args_.subcommand = word == "help" ? "" : word;
      args_.help |= word == "help";
      return {};
    }
    if (args_.subcommand == "cache" && args_.cache_action.empty() &&
        is_one_of(word, kCacheActions)) {
      args_.cache_action = word;
      return {};
    }
    if (args_.subcommand == "run") {
      args_.tasks.push_back(word);
      return {};
    }
    return std::unexpected("unexpected \"" + word +
                           "\"; put the command after --, as in: memo -- tsc -b");
  }

  // "--name", "--name value" or "--name=value".
  std::expected<void, std::string> take_option(const std::string& word) {
    std::size_t equals = word.find('=');
    std::string name = word.substr(0, equals);
    std::optional<std::string> inline_value;
    if (equals != std::string::npos) inline_value = word.substr(equals + 1);
    if (!inline_value) {
      for (const auto& candidate : kSwitches) {
        if (candidate.flag == name) {
          args_.*candidate.field = true;
          return {};
        }
      }
    }
    const SettingFlag* setting = setting_flag(name);
    if (!setting && !is_one_of(name, kValueOptions)) {
      return std::unexpected("unknown option " + name + "; see memo --help");
    }
    auto value = inline_value ? *inline_value : next_value(name);
    if (!value) return std::unexpected(value.error());
    if (setting) {
      set_setting(*setting, name, *value);
    } else {
      set_value(name, std::move(*value));
    }
    return {};
  }

  // The word after an option, which is its value; "--" starts the command, it is never a value
  // ("memo --mode -- tsc" lacks the mode).
  std::expected<std::string, std::string> next_value(const std::string& name) {
    if (i_ + 1 >= argc_ || std::string_view(argv_[i_ + 1]) == "--") {
      return std::unexpected(name + " needs a value");
    }
    return std::string(argv_[++i_]);
  }

  // An option of kValueOptions.
  void set_value(const std::string& name, std::string value) {
    if (name == "--config") args_.flags.config_file = value;
    if (name == "--cwd") args_.cwd = value;
    if (name == "--max-size") args_.max_size = value;
    if (name == "--max-age") args_.max_age = value;
    if (name == "--to") args_.to.push_back(value);
    if (name == "--scope" || name == "--from") args_.scope.push_back(value);
    if (name == "--summary") args_.summary_file = value;
    if (name == "--concurrency") args_.concurrency = value;
    if (name == "--since") args_.since = value;
  }

  static const SettingFlag* setting_flag(const std::string& name) {
    for (const auto& candidate : kSettingFlags) {
      if (candidate.flag == name) return &candidate;
    }
    return nullptr;
  }

  void set_setting(const SettingFlag& setting, const std::string& name, const std::string& text) {
    std::string key(setting.key);
    args_.flags.names[key] = name;
    if (key != "outputGlob") {
      args_.flags.values[key] = text;
      return;
    }
    // Repeatable; a JSON array is taken whole.
    auto parsed = util::parse_json(text);
    if (text.starts_with("[") && parsed && parsed->is_array()) {
      for (const auto& glob : *parsed) output_globs_.push_back(glob);
    } else {
      output_globs_.push_back(text);
    }
    args_.flags.values[key] = output_globs_.dump();
  }

  int argc_;
  const char* const* argv_;
  int i_ = 1;
  Arguments args_;
  nlohmann::json output_globs_ = nlohmann::json::array();
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
  return ArgumentReader(argc, argv).read();
}

}  // namespace memo::cli
