#include "memo/config/loader.hpp"

#include <cstdlib>

#include "memo/config/config_js.hpp"
#include "memo/config/dotenv.hpp"
#include "memo/hash/glob.hpp"
#include "memo/util/files.hpp"
#include "memo/util/json.hpp"
#include "memo/util/units.hpp"
#include "memo/workspace/locate.hpp"

namespace memo::config {

namespace {

using Type = SettingSpec::Type;
using json = nlohmann::json;

const std::vector<std::string_view> kSupportedProviders{"local", "local-skip"};
const std::vector<std::string_view> kLaterProviders{"azure-blob", "npm", "s3", "http"};

// A value as some layer set it, before validation; `base` resolves relative paths.
struct RawValue {
  json value;
  Origin origin;
  fs::path base;
};

using RawValues = std::map<std::string, RawValue>;

const SettingSpec* find_spec(std::string_view key) {
  for (const auto& spec : setting_specs()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (auto word : words) out += (out.empty() ? "" : ", ") + std::string(word);
  return out;
}

// Turns the text of an env var, .env line or flag into the JSON a config file would hold.
std::expected<json, std::string> parse_text(const SettingSpec& spec, const std::string& text) {
  switch (spec.type) {
    case Type::Bool:
      // Only these two: backfill reads anything but "true" as false, so "1" would mean
      // different things to the two tools; better to stop and say so.
      if (text == "true") return true;
      if (text == "false") return false;
      return std::unexpected("expected true or false, got \"" + text + "\"");
    case Type::StringList: {
      auto parsed = util::parse_json(text);
      if (!parsed || !parsed->is_array()) {
        return std::unexpected("expected a JSON array of globs such as [\"lib/**\"], got \"" +
                               text + "\"");
      }
      return *parsed;
    }
    default:
      return json(text);
  }
}

void apply_file(RawValues& raw, const json& values, const Origin& origin, const fs::path& base) {
  for (const auto& [key, value] : values.items()) {
    if (find_spec(key)) raw[key] = RawValue{value, origin, base};
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
    if (key == "$schema") continue;
    const SettingSpec* spec = find_spec(key);
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
    if (find_spec(key) && (is_function || is_custom_provider)) {
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

// Applies BACKFILL_* then MEMO_* variables from one source (.env or the environment).
std::expected<void, std::string> apply_variables(RawValues& raw, const EnvLookup& lookup,
                                                 Origin::Kind kind, const std::string& file,
                                                 const fs::path& base) {
  for (const auto& spec : setting_specs()) {
    if (spec.env_suffix.empty() || spec.key == "packageRoot") continue;
    std::vector<std::string> names;
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
    if (spec.type != Type::Provider) continue;
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
      json options = std::move(*parsed);
      auto& current = raw[std::string(spec.key)];
      if (current.value.is_object() && current.value.contains("provider")) {
        // The provider keeps its origin: an error about it names whoever set it.
        current.value["options"] = options;
      } else {
        current = RawValue{json{{"provider", "local"}, {"options", options}}, origin, base};
      }
    }
  }
  return {};
}

std::string expectation(Type type) {
  switch (type) {
    case Type::String:
    case Type::Path:
      return "expected a string";
    case Type::Bool:
      return "expected true or false";
    case Type::StringList:
      return "expected an array of strings";
    case Type::Mode:
      return "expected one of READ_WRITE, READ_ONLY, WRITE_ONLY, PASS";
    case Type::LogLevel:
      return "expected one of error, warn, info, verbose, silly, mute";
    case Type::Provider:
      return "expected {\"provider\": \"local\" or \"local-skip\"}";
    case Type::Inputs:
      return "expected {\"package\": [globs], \"deps\": [globs], \"root\": [globs]}";
    case Type::Size:
      return "expected a size such as \"5GB\"";
  }
  return "";
}

std::vector<std::string> to_strings(const json& value) {
  std::vector<std::string> out;
  for (const auto& item : value) out.push_back(item.get<std::string>());
  return out;
}

bool valid_shape(Type type, const json& value) {
  switch (type) {
    case Type::String:
    case Type::Path:
    case Type::Mode:
    case Type::LogLevel:
    case Type::Size:
      return value.is_string();
    case Type::Bool:
      return value.is_boolean();
    case Type::StringList:
      if (!value.is_array()) return false;
      for (const auto& item : value) {
        if (!item.is_string()) return false;
      }
      return true;
    case Type::Inputs:
      if (!value.is_object()) return false;
      for (const auto& [scope, globs] : value.items()) {
        if (scope != "package" && scope != "deps" && scope != "root") return false;
        if (!valid_shape(Type::StringList, globs)) return false;
      }
      return true;
    case Type::Provider:
      return value.is_object() && value.contains("provider") && value["provider"].is_string() &&
             (!value.contains("options") || value["options"].is_object() ||
              value["options"].is_null());
  }
  return false;
}

// Validates one value and stores it in the typed config.
std::expected<void, std::string> apply_setting(Config& config, const SettingSpec& spec,
                                               const RawValue& raw) {
  const std::string key(spec.key);
  auto fail = [&](const std::string& why) {
    return std::unexpected(raw.origin.culprit(key) + ": " + why);
  };
  if (!valid_shape(spec.type, raw.value)) {
    std::string got = spec.type == Type::Provider ? "" : ", got " + raw.value.dump();
    return fail(expectation(spec.type) + got);
  }
  if (key == "outputGlob" || key == "hashGlobs" || key == "environmentGlob") {
    if (auto compiled = hash::GlobSet::compile(to_strings(raw.value)); !compiled) {
      return fail(compiled.error());
    }
  }
  if (key == "inputs") {
    for (const auto& [scope, globs] : raw.value.items()) {
      if (auto compiled = hash::GlobSet::compile(to_strings(globs)); !compiled) {
        return fail(scope + ": " + compiled.error());
      }
    }
  }
  const json& value = raw.value;
  auto path_of = [&] {
    fs::path path = value.get<std::string>();
    return (path.is_absolute() ? path : raw.base / path).lexically_normal();
  };
  if (key == "cacheStorageConfig") {
    std::string provider = value["provider"];
    bool supported = false;
    for (auto name : kSupportedProviders) supported |= name == provider;
    if (!supported) {
      for (auto name : kLaterProviders) {
        if (name == provider) {
          return fail("cache provider \"" + provider +
                      "\" is not available in this version of memo; use one of " +
                      join(kSupportedProviders));
        }
      }
      return fail("unknown cache provider \"" + provider + "\"; expected one of " +
                  join(kSupportedProviders));
    }
    config.provider = provider;
    config.provider_options = value.contains("options") && value["options"].is_object()
                                  ? value["options"]
                                  : json::object();
  } else if (key == "mode") {
    auto mode = parse_mode(value.get<std::string>());
    if (!mode) return fail(expectation(spec.type) + ", got " + value.dump());
    config.mode = *mode;
  } else if (key == "logLevel") {
    auto level = util::parse_log_level(value.get<std::string>());
    if (!level) return fail(expectation(spec.type) + ", got " + value.dump());
    config.log_level = *level;
  } else if (key == "cacheKey") {
    config.cache_key = value;
  } else if (key == "clearOutput") {
    config.clear_output = value;
  } else if (key == "env") {
    config.env = to_strings(value);
  } else if (key == "environmentGlob") {
    config.environment_glob = to_strings(value);
  } else if (key == "hashGlobs") {
    config.hash_globs = to_strings(value);
  } else if (key == "internalCacheFolder") {
    config.internal_cache_folder = path_of();
  } else if (key == "logFolder") {
    config.log_folder = path_of();
  } else if (key == "name") {
    config.name = value;
  } else if (key == "outputGlob") {
    config.output_glob = to_strings(value);
    if (config.output_glob.empty()) return fail("expected at least one glob");
  } else if (key == "producePerformanceLogs") {
    config.produce_performance_logs = value;
  } else if (key == "performanceReportName") {
    config.performance_report_name = value;
  } else if (key == "validateOutput") {
    config.validate_output = value;
  } else if (key == "incrementalCaching") {
    config.incremental_caching = value;
  } else if (key == "maxCacheSize") {
    auto bytes = util::parse_size(value.get<std::string>());
    if (!bytes) return fail(bytes.error());
    config.max_cache_size = *bytes;
  } else if (key == "inputs") {
    if (value.contains("package")) config.inputs.package = to_strings(value["package"]);
    if (value.contains("deps")) config.inputs.deps = to_strings(value["deps"]);
    if (value.contains("root")) config.inputs.root = to_strings(value["root"]);
  }
  return {};
}

json shown_value(const Config& config, std::string_view key) {
  if (key == "cacheStorageConfig") {
    return json{{"provider", config.provider},
                {"options", redact_secrets(config.provider_options)}};
  }
  if (key == "cacheKey") return config.cache_key;
  if (key == "clearOutput") return config.clear_output;
  if (key == "env") return config.env;
  if (key == "environmentGlob") return config.environment_glob;
  if (key == "hashGlobs") return config.hash_globs;
  if (key == "internalCacheFolder") return config.internal_cache_folder.string();
  if (key == "logFolder") return config.log_folder.string();
  if (key == "logLevel") return std::string(util::log_level_name(config.log_level));
  if (key == "mode") return std::string(mode_name(config.mode));
  if (key == "name") return config.name;
  if (key == "outputGlob") return config.output_glob;
  if (key == "packageRoot") return config.package_root.string();
  if (key == "producePerformanceLogs") return config.produce_performance_logs;
  if (key == "performanceReportName") return config.performance_report_name;
  if (key == "validateOutput") return config.validate_output;
  if (key == "incrementalCaching") return config.incremental_caching;
  if (key == "maxCacheSize") {
    return config.max_cache_size ? json(util::format_size(*config.max_cache_size)) : json(nullptr);
  }
  if (key == "inputs") {
    json shown = json::object();
    if (config.inputs.package) shown["package"] = *config.inputs.package;
    if (config.inputs.deps) shown["deps"] = *config.inputs.deps;
    if (config.inputs.root) shown["root"] = *config.inputs.root;
    return shown;
  }
  return nullptr;
}

std::optional<std::string> first_variable(const EnvLookup& env, std::string_view suffix,
                                          std::string* name) {
  for (std::string prefix : {"MEMO_", "BACKFILL_"}) {
    auto value = env(prefix + std::string(suffix));
    if (value && !value->empty()) {
      *name = prefix + std::string(suffix);
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace

const std::vector<SettingSpec>& setting_specs() {
  static const std::vector<SettingSpec> specs{
      {"cacheStorageConfig", Type::Provider, "CACHE_PROVIDER", true, "--cache-provider",
       "where entries are kept: {\"provider\": \"local\"} (default) or \"local-skip\"; options "
       "from *_CACHE_PROVIDER_OPTIONS (JSON)"},
      {"cacheKey", Type::String, "CACHE_KEY", false, "",
       "a salt in every key; change it to invalidate every entry"},
      {"clearOutput", Type::Bool, "CLEAR_OUTPUT", true, "",
       "delete the files matching outputGlob before a restore or a run"},
      {"env", Type::StringList, "", false, "",
       "names of environment variables whose values enter the key"},
      {"environmentGlob", Type::StringList, "ENVIRONMENT_GLOB", false, "",
       "globs of repo-root files that enter every key (e.g. [\"tsconfig.base.json\"])"},
      {"hashGlobs", Type::StringList, "HASH_GLOBS", false, "",
       "the package's files that enter the key (default: all but node_modules, outputs, "
       "*.tsbuildinfo)"},
      {"internalCacheFolder", Type::Path, "INTERNAL_CACHE_FOLDER", true, "",
       "the local store (default: <repo>/node_modules/.cache/memo)"},
      {"logFolder", Type::Path, "LOG_FOLDER", true, "",
       "where performance logs go (default: <internalCacheFolder>/logs)"},
      {"logLevel", Type::LogLevel, "LOG_LEVEL", true, "--log-level",
       "error, warn, info (default), verbose, silly or mute"},
      {"mode", Type::Mode, "MODE", true, "--mode",
       "READ_WRITE (default), READ_ONLY, WRITE_ONLY or PASS"},
      {"name", Type::String, "NAME", true, "",
       "the package's name in logs (default: package.json name)"},
      {"outputGlob", Type::StringList, "OUTPUT_GLOB", true, "--output-glob",
       "the outputs to cache, relative to the package (default: [\"lib/**\"]); ! negates"},
      {"packageRoot", Type::Path, "PACKAGE_ROOT", true, "",
       "the package folder (default: nearest folder with a package.json); env only"},
      {"producePerformanceLogs", Type::Bool, "PRODUCE_PERFORMANCE_LOGS", true, "",
       "write a JSON file of timings per run into logFolder"},
      {"performanceReportName", Type::String, "PERFORMANCE_REPORT_NAME", true, "",
       "accepted for backfill compatibility; unused"},
      {"validateOutput", Type::Bool, "VALIDATE_OUTPUT", true, "",
       "after a hit, re-hash the restored outputs and drop the entry on a mismatch"},
      {"inputs", Type::Inputs, "", false, "",
       "declared inputs: {\"package\": [globs], \"deps\": [globs for every workspace "
       "dependency], \"root\": [globs from the repo root]}; each replaces the default"},
      {"incrementalCaching", Type::Bool, "INCREMENTAL_CACHING", true, "",
       "accepted for backfill compatibility; ignored (memo stores whole outputs, each file once)"},
      {"maxCacheSize", Type::Size, "MAX_CACHE_SIZE", false, "",
       "trim the local store (least recently used first) once it grows past this size, e.g. "
       "\"10GB\"; default: no limit (memo cache prune trims by hand)"},
  };
  return specs;
}

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

namespace {

// Every layer above the defaults, for a config whose package_root and repo_root are set.
std::expected<void, std::string> apply_layers(Config& config, const fs::path& working_directory,
                                              const Flags& flags, const EnvLookup& env) {
  RawValues raw;
  const fs::path memo_cache = config.repo_root / "node_modules" / ".cache" / "memo";

  // Config files, root first, so the nearest one wins.
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
      if (auto loaded = load_config_file(raw, file, config.package_root, memo_cache / "config-js");
          !loaded) {
        return std::unexpected(loaded.error());
      }
    }
  }
  if (flags.config_file) {
    fs::path file = (working_directory / *flags.config_file).lexically_normal();
    std::error_code error;
    if (!fs::is_regular_file(file, error)) {
      return std::unexpected("--config: " + file.string() + " is not a file");
    }
    if (auto loaded = load_config_file(raw, file, config.package_root, memo_cache / "config-js");
        !loaded) {
      return std::unexpected(loaded.error());
    }
  }

  // .env at the repo root, then the real environment.
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
      return std::unexpected(applied.error());
    }
  }
  if (auto applied = apply_variables(raw, env, Origin::Kind::Environment, "", config.repo_root);
      !applied) {
    return std::unexpected(applied.error());
  }

  for (const auto& [key, text] : flags.values) {
    const SettingSpec* spec = find_spec(key);
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

  for (const auto& spec : setting_specs()) {
    auto found = raw.find(std::string(spec.key));
    if (found == raw.end()) continue;
    if (auto applied = apply_setting(config, spec, found->second); !applied) {
      return std::unexpected(applied.error());
    }
    config.origins[std::string(spec.key)] = found->second.origin;
  }
  if (config.internal_cache_folder.empty()) config.internal_cache_folder = memo_cache;
  if (config.log_folder.empty()) config.log_folder = config.internal_cache_folder / "logs";
  if (config.name.empty()) config.name = workspace::read_package_name(config.package_root);

  for (const auto& spec : setting_specs()) {
    config.shown[std::string(spec.key)] = shown_value(config, spec.key);
    config.origins.try_emplace(std::string(spec.key), Origin{});
  }
  return {};
}

}  // namespace

std::expected<Config, std::string> load_config(const fs::path& working_directory,
                                               const Flags& flags, const EnvLookup& env) {
  Config config;

  std::string root_variable;
  if (auto root = first_variable(env, "PACKAGE_ROOT", &root_variable)) {
    config.package_root = (working_directory / *root).lexically_normal();
    std::error_code error;
    if (!fs::is_directory(config.package_root, error)) {
      return std::unexpected(root_variable + ": \"" + *root + "\" is not a folder");
    }
    config.origins["packageRoot"] = Origin{Origin::Kind::Environment, "", root_variable};
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
