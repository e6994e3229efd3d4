#include "memo/config/loader.hpp"

#include "memo/config/config_js.hpp"
#include "memo/config/dotenv.hpp"
#include "memo/util/environment.hpp"
#include "memo/util/files.hpp"
#include "memo/util/json.hpp"
#include "memo/workspace/locate.hpp"

namespace memo::config {

namespace {

using Type = SettingSpec::Type;
using json = nlohmann::json;

// A value as some layer set it, before validation; `base` resolves relative paths.
struct RawValue {
  json value;
  Origin origin;
  fs::path base;
};

using RawValues = std::map<std::string, RawValue>;

// Turns the text of an env var, .env line or flag into the JSON a config file would hold.
std::expected<json, std::string> parse_text(const SettingSpec& spec, const std::string& text) {
  switch (spec.type) {
    case Type::Bool:
      // Only these two: backfill reads anything but "true" as false, so "1" would mean
      // different things to the two tools; better to stop and say so.
      if (text == "true") return true;
      if (text == "false") return false;
      return std::unexpected("expected true or false, got \"" + text + "\"");
    case Type::StringList:
    case Type::GlobList: {
      auto parsed = util::parse_json(text);
      if (!parsed || !parsed->is_array()) {
        return std::unexpected("expected a JSON array of globs such as [\"lib/**\"], got \"" +
                               text + "\"");
      }
      return *parsed;
    }
    case Type::Number: {
      std::uint64_t number = 0;
      bool digits = !text.empty() && text.size() <= 12;
      for (char c : text) {
        digits = digits && c >= '0' && c <= '9';
        if (digits) number = number * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (!digits) return std::unexpected("expected a whole number, got \"" + text + "\"");
      return json(number);
    }
    default:
      return json(text);
  }
}

void apply_file(RawValues& raw, const json& values, const Origin& origin, const fs::path& base) {
  for (const auto& [key, value] : values.items()) {
    if (find_setting(key)) raw[key] = RawValue{value, origin, base};
  }
}

std::expected<void, std::string> load_memo_json(RawValues& raw, const fs::path& file) {
  auto text = util::read_file(file);
  if (!text) return std::unexpected(text.error());
  auto parsed = util::parse_json(*text);
  if (!parsed) {
    return std::unexpected(file.string() + ": " + parsed.error() +
                           "; expected an object such as {\"outputGlob\": [\"lib/**\"]}");
  }
  const json values = std::move(*parsed);
  if (!values.is_object()) return std::unexpected(file.string() + ": expected a JSON object");
  for (const auto& [key, value] : values.items()) {
    if (key == "$schema" || key == "tasks") continue;  // "tasks": memo run's pipeline
    const SettingSpec* spec = find_setting(key);
    if (!spec || spec->key == "packageRoot") {
      return std::unexpected(file.string() + ": unknown setting \"" + key +
                             "\"; `memo --help` lists the settings");
    }
  }
  apply_file(raw, values, Origin{Origin::Kind::File, file.string(), ""}, file.parent_path());
  return {};
}

std::expected<void, std::string> load_config_js(RawValues& raw, const fs::path& file,
                                                const fs::path& package_root,
                                                const fs::path& cache_dir) {
  auto values = evaluate_config_js(file, package_root, cache_dir);
  if (!values) return std::unexpected(values.error());
  for (const auto& [key, value] : values->items()) {
    bool is_function = value.is_object() && value.contains("$function");
    bool is_custom_provider = key == "cacheStorageConfig" && value.is_object() &&
                              value.contains("provider") && value["provider"].is_object();
    if (find_setting(key) && (is_function || is_custom_provider)) {
      std::string what = is_custom_provider ? key + ".provider" : key;
      return std::unexpected(file.string() + ": \"" + what +
                             "\" is a function; memo needs plain values here (custom cache " +
                             "providers are not supported: use \"local\" or \"local-skip\")");
    }
  }
  values->erase("packageRoot");  // the package is located before any config file is read
  apply_file(raw, *values, Origin{Origin::Kind::File, file.string(), ""}, file.parent_path());
  return {};
}

std::expected<void, std::string> load_config_file(RawValues& raw, const fs::path& file,
                                                  const fs::path& package_root,
                                                  const fs::path& cache_dir) {
  if (file.extension() == ".js" || file.extension() == ".cjs") {
    return load_config_js(raw, file, package_root, cache_dir);
  }
  return load_memo_json(raw, file);
}

// BACKFILL_CACHE_PROVIDER_OPTIONS then MEMO_CACHE_PROVIDER_OPTIONS: a JSON object.
std::expected<void, std::string> apply_provider_options(RawValues& raw, const SettingSpec& spec,
                                                        const EnvLookup& lookup, Origin::Kind kind,
                                                        const std::string& file,
                                                        const fs::path& base) {
  for (std::string name : {"BACKFILL_CACHE_PROVIDER_OPTIONS", "MEMO_CACHE_PROVIDER_OPTIONS"}) {
    auto value = lookup(name);
    if (!value || value->empty()) continue;
    Origin origin{kind, file, name};
    auto parsed = util::parse_json(*value);
    if (!parsed || !parsed->is_object()) {
      // The text may hold a secret, so it is not echoed, only why it is refused.
      // (nlohmann's details quote what it read last.)
      std::string why = parsed                                 ? "not an object"
                        : parsed.error().starts_with("nested") ? parsed.error()
                                                               : "not valid JSON";
      return std::unexpected(origin.culprit(spec.key) + ": " + why +
                             "; expected a JSON object such as {\"container\": \"...\"}");
    }
    auto& current = raw[std::string(spec.key)];
    if (current.value.is_object() && current.value.contains("provider")) {
      // The provider keeps its origin: an error about it names whoever set it.
      current.value["options"] = std::move(*parsed);
    } else {
      current =
          RawValue{json{{"provider", "local"}, {"options", std::move(*parsed)}}, origin, base};
    }
  }
  return {};
}

// Applies BACKFILL_* then MEMO_* variables from one source (.env or the environment).
std::expected<void, std::string> apply_variables(RawValues& raw, const EnvLookup& lookup,
                                                 Origin::Kind kind, const std::string& file,
                                                 const fs::path& base) {
  for (const auto& spec : setting_specs()) {
    if (spec.env_suffix.empty() || spec.key == "packageRoot") continue;
    std::vector<std::string> names;
    for (std::string_view other = spec.other_env; !other.empty();) {
      std::size_t space = other.find(' ');
      names.emplace_back(other.substr(0, space));
      other = space == std::string_view::npos ? "" : other.substr(space + 1);
    }
    if (spec.backfill_reads_env) names.push_back("BACKFILL_" + std::string(spec.env_suffix));
    names.push_back("MEMO_" + std::string(spec.env_suffix));
    for (const auto& name : names) {
      auto value = lookup(name);
      if (!value || value->empty()) continue;  // empty values are ignored, as backfill does
      Origin origin{kind, file, name};
      if (spec.type == Type::Provider) {
        raw[std::string(spec.key)] =
            RawValue{json{{"provider", *value}, {"options", json::object()}}, origin, base};
        continue;
      }
      auto parsed = parse_text(spec, *value);
      if (!parsed) return std::unexpected(origin.culprit(spec.key) + ": " + parsed.error());
      raw[std::string(spec.key)] = RawValue{*parsed, origin, base};
    }
    if (spec.type == Type::Provider) {
      if (auto applied = apply_provider_options(raw, spec, lookup, kind, file, base); !applied) {
        return applied;
      }
    }
  }
  return {};
}

struct NamedValue {
  std::string name;
  std::string value;
};

// MEMO_<suffix>, else BACKFILL_<suffix>, when set and not empty.
std::optional<NamedValue> first_variable(const EnvLookup& env, std::string_view suffix) {
  for (std::string prefix : {"MEMO_", "BACKFILL_"}) {
    std::string name = prefix + std::string(suffix);
    auto value = env(name);
    if (value && !value->empty()) return NamedValue{std::move(name), std::move(*value)};
  }
  return std::nullopt;
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) { return util::env_value(name); };
}

namespace {

fs::path memo_cache_folder(const Config& config) {
  return config.repo_root / "node_modules" / ".cache" / "memo";
}

// The config files from the repo root down to the package, so the nearest one wins, then
// the one --config names.
std::expected<void, std::string> load_config_files(RawValues& raw, const Config& config,
                                                   const fs::path& working_directory,
                                                   const Flags& flags) {
  const fs::path evaluations = memo_cache_folder(config) / "config-js";
  std::vector<fs::path> folders;
  for (fs::path dir = config.package_root;; dir = dir.parent_path()) {
    folders.insert(folders.begin(), dir);
    if (dir == config.repo_root || dir == dir.root_path() || dir.empty()) break;
  }
  for (const char* file_name : {"backfill.config.js", "memo.json"}) {
    for (const auto& dir : folders) {
      fs::path file = dir / file_name;
      std::error_code error;
      if (!fs::is_regular_file(file, error)) continue;
      if (auto loaded = load_config_file(raw, file, config.package_root, evaluations); !loaded) {
        return loaded;
      }
    }
  }
  if (!flags.config_file) return {};
  fs::path file = (working_directory / *flags.config_file).lexically_normal();
  std::error_code error;
  if (!fs::is_regular_file(file, error)) {
    return std::unexpected("--config: " + file.string() + " is not a file");
  }
  return load_config_file(raw, file, config.package_root, evaluations);
}

// .env at the repo root, then the real environment.
std::expected<void, std::string> apply_environment(RawValues& raw, const Config& config,
                                                   const EnvLookup& env) {
  const fs::path dotenv_file = config.repo_root / ".env";
  if (auto text = util::read_file(dotenv_file)) {
    auto values = parse_dotenv(*text);
    EnvLookup dotenv = [&values](const std::string& name) -> std::optional<std::string> {
      auto found = values.find(name);
      if (found == values.end()) return std::nullopt;
      return found->second;
    };
    if (auto applied = apply_variables(raw, dotenv, Origin::Kind::DotEnv, dotenv_file.string(),
                                       config.repo_root);
        !applied) {
      return applied;
    }
  }
  return apply_variables(raw, env, Origin::Kind::Environment, "", config.repo_root);
}

// The flags of the command line, over everything else.
std::expected<void, std::string> apply_flags(RawValues& raw, const Flags& flags,
                                             const fs::path& working_directory) {
  for (const auto& [key, text] : flags.values) {
    const SettingSpec* spec = find_setting(key);
    if (!spec) continue;
    Origin origin{Origin::Kind::Flag, "", flags.names.count(key) ? flags.names.at(key) : key};
    if (spec->type == Type::Provider) {
      json options =
          raw.count(key) && raw[key].value.is_object() && raw[key].value.contains("options")
              ? raw[key].value["options"]
              : json::object();
      raw[key] =
          RawValue{json{{"provider", text}, {"options", options}}, origin, working_directory};
      continue;
    }
    auto parsed = parse_text(*spec, text);
    if (!parsed) return std::unexpected(origin.name + ": " + parsed.error());
    raw[key] = RawValue{*parsed, origin, working_directory};
  }
  return {};
}

// Applies what every layer gave, fills in what depends on other settings, and records how
// each setting is shown.
std::expected<void, std::string> settle(Config& config, const RawValues& raw) {
  for (const auto& spec : setting_specs()) {
    auto found = raw.find(std::string(spec.key));
    if (found == raw.end()) continue;
    const RawValue& value = found->second;
    if (auto applied = apply_setting(config, spec, value.value, value.base); !applied) {
      return std::unexpected(value.origin.culprit(spec.key) + ": " + applied.error());
    }
    config.origins[std::string(spec.key)] = value.origin;
  }
  if (config.internal_cache_folder.empty())
    config.internal_cache_folder = memo_cache_folder(config);
  if (config.log_folder.empty()) config.log_folder = config.internal_cache_folder / "logs";
  if (config.name.empty()) config.name = workspace::read_package_name(config.package_root);

  for (const auto& spec : setting_specs()) {
    config.shown[std::string(spec.key)] = spec.show(config);
    config.origins.try_emplace(std::string(spec.key), Origin{});
  }
  return {};
}

// Every layer above the defaults, for a config whose package_root and repo_root are set.
std::expected<void, std::string> apply_layers(Config& config, const fs::path& working_directory,
                                              const Flags& flags, const EnvLookup& env) {
  RawValues raw;
  if (auto loaded = load_config_files(raw, config, working_directory, flags); !loaded) {
    return loaded;
  }
  if (auto applied = apply_environment(raw, config, env); !applied) return applied;
  if (auto applied = apply_flags(raw, flags, working_directory); !applied) return applied;
  return settle(config, raw);
}

}  // namespace

std::expected<Config, std::string> load_config(const fs::path& working_directory,
                                               const Flags& flags, const EnvLookup& env) {
  Config config;

  if (auto root = first_variable(env, "PACKAGE_ROOT")) {
    config.package_root = (working_directory / root->value).lexically_normal();
    std::error_code error;
    if (!fs::is_directory(config.package_root, error)) {
      return std::unexpected(root->name + ": \"" + root->value + "\" is not a folder");
    }
    config.origins["packageRoot"] = Origin{Origin::Kind::Environment, "", root->name};
  } else {
    config.package_root = workspace::find_package_root(working_directory);
  }
  if (config.package_root.filename().empty())
    config.package_root = config.package_root.parent_path();
  config.repo_root = workspace::find_repo_root(config.package_root);
  if (auto applied = apply_layers(config, working_directory, flags, env); !applied) {
    return std::unexpected(applied.error());
  }
  return config;
}

std::expected<Config, std::string> load_package_config(const PackageLocation& package,
                                                       const EnvLookup& env) {
  Config config;
  config.package_root = package.root;
  config.repo_root = package.repo_root;
  config.name = package.name;
  if (auto applied = apply_layers(config, package.root, Flags{}, env); !applied) {
    return std::unexpected(applied.error());
  }
  return config;
}

}  // namespace memo::config
