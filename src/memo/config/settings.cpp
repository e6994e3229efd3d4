#include "memo/config/settings.hpp"

#include "memo/hash/glob.hpp"
#include "memo/util/json.hpp"
#include "memo/util/units.hpp"

namespace memo::config {

namespace {

using Type = SettingSpec::Type;
using json = nlohmann::json;

const std::vector<std::string_view> kSupportedProviders{"local", "local-skip", "azure-blob",
                                                        "s3",    "npm",        "http"};

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (auto word : words) out += (out.empty() ? "" : ", ") + std::string(word);
  return out;
}

std::vector<std::string> to_strings(const json& value) {
  std::vector<std::string> out;
  for (const auto& item : value) out.push_back(item.get<std::string>());
  return out;
}

std::string expectation(Type type) {
  switch (type) {
    case Type::String:
    case Type::Path:
      return "expected a string";
    case Type::Bool:
      return "expected true or false";
    case Type::StringList:
    case Type::GlobList:
      return "expected an array of strings";
    case Type::Mode:
      return "expected one of READ_WRITE, READ_ONLY, WRITE_ONLY, PASS";
    case Type::RestoreMode:
      return "expected one of copy, clone, hardlink";
    case Type::LogLevel:
      return "expected one of error, warn, info, verbose, silly, mute";
    case Type::Provider:
      return "expected {\"provider\": one of " + join(kSupportedProviders) + "}";
    case Type::Inputs:
      return "expected {\"package\": [globs], \"deps\": [globs], \"root\": [globs]}";
    case Type::Size:
      return "expected a size such as \"5GB\"";
    case Type::Number:
      return "expected a whole number";
  }
  return "";
}

bool is_string_array(const json& value) {
  if (!value.is_array()) return false;
  for (const auto& item : value) {
    if (!item.is_string()) return false;
  }
  return true;
}

bool valid_shape(Type type, const json& value) {
  switch (type) {
    case Type::String:
    case Type::Path:
    case Type::Mode:
    case Type::RestoreMode:
    case Type::LogLevel:
    case Type::Size:
      return value.is_string();
    case Type::Bool:
      return value.is_boolean();
    case Type::Number:
      return value.is_number_unsigned() ||
             (value.is_number_integer() && value.get<long long>() >= 0);
    case Type::StringList:
    case Type::GlobList:
      return is_string_array(value);
    case Type::Inputs:
      if (!value.is_object()) return false;
      for (const auto& [scope, globs] : value.items()) {
        if ((scope != "package" && scope != "deps" && scope != "root") || !is_string_array(globs)) {
          return false;
        }
      }
      return true;
    case Type::Provider:
      return value.is_object() && value.contains("provider") && value["provider"].is_string() &&
             (!value.contains("options") || value["options"].is_object() ||
              value["options"].is_null());
  }
  return false;
}

// Globs relative to the repo root (environmentGlob, inputs.root) may start with '/', as
// lage's "/package.json" does; package-relative ones may not.
std::expected<void, std::string> check_globs(const json& globs, bool from_repo_root = false) {
  auto compiled =
      hash::GlobSet::compile(to_strings(globs), from_repo_root ? hash::LeadingSlash::kBaseFolder
                                                               : hash::LeadingSlash::kError);
  if (!compiled) return std::unexpected(compiled.error());
  return {};
}

// The common kinds of setting, each a field of Config.
template <auto Field>
SettingSpec::Apply set_value() {
  return [](Config& config, const json& value,
            const std::filesystem::path&) -> std::expected<void, std::string> {
    config.*Field = value.get<std::remove_reference_t<decltype(config.*Field)>>();
    return {};
  };
}

template <auto Field>
SettingSpec::Apply set_strings() {
  return [](Config& config, const json& value,
            const std::filesystem::path&) -> std::expected<void, std::string> {
    config.*Field = to_strings(value);
    return {};
  };
}

template <auto Field>
SettingSpec::Apply set_path() {
  return [](Config& config, const json& value,
            const std::filesystem::path& base) -> std::expected<void, std::string> {
    std::filesystem::path path = value.get<std::string>();
    config.*Field = (path.is_absolute() ? path : base / path).lexically_normal();
    return {};
  };
}

template <auto Field>
SettingSpec::Show show_value() {
  return [](const Config& config) { return json(config.*Field); };
}

template <auto Field>
SettingSpec::Show show_path() {
  return [](const Config& config) { return json((config.*Field).string()); };
}

std::expected<void, std::string> apply_provider(Config& config, const json& value,
                                                const std::filesystem::path&) {
  const std::string provider = value["provider"];
  for (auto name : kSupportedProviders) {
    if (name != provider) continue;
    config.provider = provider;
    config.provider_options = value.contains("options") && value["options"].is_object()
                                  ? value["options"]
                                  : json::object();
    return {};
  }
  return std::unexpected("unknown cache provider \"" + provider + "\"; expected one of " +
                         join(kSupportedProviders));
}

json show_provider(const Config& config) {
  return {{"provider", config.provider}, {"options", redact_secrets(config.provider_options)}};
}

std::expected<void, std::string> apply_mode(Config& config, const json& value,
                                            const std::filesystem::path&) {
  auto mode = parse_mode(value.get<std::string>());
  if (!mode) return std::unexpected(expectation(Type::Mode) + ", got " + util::json_text(value));
  config.mode = *mode;
  return {};
}

std::expected<void, std::string> apply_restore_mode(Config& config, const json& value,
                                                    const std::filesystem::path&) {
  auto mode = parse_restore_mode(value.get<std::string>());
  if (!mode) {
    return std::unexpected(expectation(Type::RestoreMode) + ", got " + util::json_text(value));
  }
  config.restore_mode = *mode;
  return {};
}

std::expected<void, std::string> apply_log_level(Config& config, const json& value,
                                                 const std::filesystem::path&) {
  auto level = util::parse_log_level(value.get<std::string>());
  if (!level)
    return std::unexpected(expectation(Type::LogLevel) + ", got " + util::json_text(value));
  config.log_level = *level;
  return {};
}

std::expected<void, std::string> apply_output_glob(Config& config, const json& value,
                                                   const std::filesystem::path&) {
  if (value.empty()) return std::unexpected("expected at least one glob");
  config.output_glob = to_strings(value);
  return {};
}

std::expected<void, std::string> apply_inputs(Config& config, const json& value,
                                              const std::filesystem::path&) {
  for (const auto& [scope, globs] : value.items()) {
    if (auto checked = check_globs(globs, scope == "root"); !checked) {
      return std::unexpected(scope + ": " + checked.error());
    }
  }
  if (value.contains("package")) config.inputs.package = to_strings(value["package"]);
  if (value.contains("deps")) config.inputs.deps = to_strings(value["deps"]);
  if (value.contains("root")) config.inputs.root = to_strings(value["root"]);
  return {};
}

json show_inputs(const Config& config) {
  json shown = json::object();
  if (config.inputs.package) shown["package"] = *config.inputs.package;
  if (config.inputs.deps) shown["deps"] = *config.inputs.deps;
  if (config.inputs.root) shown["root"] = *config.inputs.root;
  return shown;
}

std::expected<void, std::string> apply_max_cache_size(Config& config, const json& value,
                                                      const std::filesystem::path&) {
  auto bytes = util::parse_size(value.get<std::string>());
  if (!bytes) return std::unexpected(bytes.error());
  config.max_cache_size = *bytes;
  return {};
}

json show_max_cache_size(const Config& config) {
  return config.max_cache_size ? json(util::format_size(*config.max_cache_size)) : json(nullptr);
}

}  // namespace

const std::vector<SettingSpec>& setting_specs() {
  static const std::vector<SettingSpec> specs{
      {"cacheStorageConfig", Type::Provider, "CACHE_PROVIDER", true, "--cache-provider",
       "where entries are kept: {\"provider\": \"local\"} (default) or \"local-skip\"; options "
       "from *_CACHE_PROVIDER_OPTIONS (JSON)",
       apply_provider, show_provider},
      {"cacheKey", Type::String, "CACHE_KEY", false, "",
       "a salt in every key; change it to invalidate every entry", set_value<&Config::cache_key>(),
       show_value<&Config::cache_key>()},
      {"clearOutput", Type::Bool, "CLEAR_OUTPUT", true, "",
       "delete the files matching outputGlob before a restore or a run",
       set_value<&Config::clear_output>(), show_value<&Config::clear_output>()},
      {"env", Type::StringList, "", false, "",
       "names of environment variables whose values enter the key", set_strings<&Config::env>(),
       show_value<&Config::env>()},
      {"environmentGlob", Type::GlobList, "ENVIRONMENT_GLOB", false, "",
       "globs of repo-root files that enter every key (e.g. [\"tsconfig.base.json\"])",
       set_strings<&Config::environment_glob>(), show_value<&Config::environment_glob>()},
      {"hashGlobs", Type::GlobList, "HASH_GLOBS", false, "",
       "the package's files that enter the key (default: all but node_modules, outputs, "
       "*.tsbuildinfo)",
       set_strings<&Config::hash_globs>(), show_value<&Config::hash_globs>()},
      {"internalCacheFolder", Type::Path, "INTERNAL_CACHE_FOLDER", true, "",
       "the local store (default: <repo>/node_modules/.cache/memo)",
       set_path<&Config::internal_cache_folder>(), show_path<&Config::internal_cache_folder>()},
      {"logFolder", Type::Path, "LOG_FOLDER", true, "",
       "where performance logs go (default: <internalCacheFolder>/logs)",
       set_path<&Config::log_folder>(), show_path<&Config::log_folder>()},
      {"logLevel", Type::LogLevel, "LOG_LEVEL", true, "--log-level",
       "error, warn, info (default), verbose, silly or mute", apply_log_level,
       [](const Config& config) { return json(util::log_level_name(config.log_level)); }},
      {"mode", Type::Mode, "MODE", true, "--mode",
       "READ_WRITE (default), READ_ONLY, WRITE_ONLY or PASS", apply_mode,
       [](const Config& config) { return json(mode_name(config.mode)); }},
      {"restoreMode", Type::RestoreMode, "RESTORE_MODE", false, "--restore-mode",
       "how a hit puts files back: copy (default), clone (reflinks where the file system has "
       "them, else copy) or hardlink (read-only links to the store's files; executables are "
       "copied)",
       apply_restore_mode,
       [](const Config& config) { return json(restore_mode_name(config.restore_mode)); }},
      {"name", Type::String, "NAME", true, "",
       "the package's name in logs (default: package.json name)", set_value<&Config::name>(),
       show_value<&Config::name>()},
      {"outputGlob", Type::GlobList, "OUTPUT_GLOB", true, "--output-glob",
       "the outputs to cache, relative to the package (default: [\"lib/**\"]); ! negates",
       apply_output_glob, show_value<&Config::output_glob>()},
      {"packageRoot", Type::Path, "PACKAGE_ROOT", true, "",
       "the package folder (default: nearest folder with a package.json); env only", nullptr,
       show_path<&Config::package_root>()},
      {"producePerformanceLogs", Type::Bool, "PRODUCE_PERFORMANCE_LOGS", true, "",
       "write a JSON file of timings per run into logFolder",
       set_value<&Config::produce_performance_logs>(),
       show_value<&Config::produce_performance_logs>()},
      {"performanceReportName", Type::String, "PERFORMANCE_REPORT_NAME", true, "",
       "accepted for backfill compatibility; unused", set_value<&Config::performance_report_name>(),
       show_value<&Config::performance_report_name>()},
      {"validateOutput", Type::Bool, "VALIDATE_OUTPUT", true, "",
       "after a hit, re-hash the restored outputs and drop the entry on a mismatch",
       set_value<&Config::validate_output>(), show_value<&Config::validate_output>()},
      {"includeRootDependencies", Type::Bool, "INCLUDE_ROOT_DEPENDENCIES", false, "",
       "the locked versions of the root package.json's own external dependencies (build "
       "tools) enter every package's key (default: true)",
       set_value<&Config::include_root_dependencies>(),
       show_value<&Config::include_root_dependencies>()},
      {"inputs", Type::Inputs, "", false, "",
       "declared inputs: {\"package\": [globs], \"deps\": [globs for every workspace "
       "dependency], \"root\": [globs from the repo root]}; each replaces the default",
       apply_inputs, show_inputs},
      {"incrementalCaching", Type::Bool, "INCREMENTAL_CACHING", true, "",
       "accepted for backfill compatibility; ignored (memo stores whole outputs, each file once)",
       set_value<&Config::incremental_caching>(), show_value<&Config::incremental_caching>()},
      {"maxCacheSize", Type::Size, "MAX_CACHE_SIZE", false, "",
       "trim the local store (least recently used first) once it grows past this size, e.g. "
       "\"10GB\"; default: no limit (memo cache prune trims by hand)",
       apply_max_cache_size, show_max_cache_size},
      {"writeRemoteCache", Type::Bool, "WRITE_REMOTE_CACHE", false, "",
       "write new entries to the remote cache too (CI sets it; lage's LAGE_WRITE_REMOTE_CACHE "
       "and LAGE_WRITE_CACHE are read as well); default: the remote is only read",
       set_value<&Config::write_remote_cache>(), show_value<&Config::write_remote_cache>(),
       "LAGE_WRITE_REMOTE_CACHE LAGE_WRITE_CACHE"},
      {"skipLocalCache", Type::Bool, "SKIP_LOCAL_CACHE", false, "",
       "use the remote cache alone: nothing is kept in the local store",
       set_value<&Config::skip_local_cache>(), show_value<&Config::skip_local_cache>()},
      {"skipRemoteCache", Type::Bool, "SKIP_REMOTE_CACHE", false, "",
       "keep this package's entries off the remote cache (neither read nor written)",
       set_value<&Config::skip_remote_cache>(), show_value<&Config::skip_remote_cache>()},
      {"remoteConnectTimeout", Type::Number, "REMOTE_CONNECT_TIMEOUT", false, "",
       "milliseconds a connection to the remote cache may take before it counts as down "
       "(default: 1500)",
       set_value<&Config::remote_connect_timeout_ms>(),
       show_value<&Config::remote_connect_timeout_ms>()},
      {"remoteStallTimeout", Type::Number, "REMOTE_STALL_TIMEOUT", false, "",
       "seconds a transfer may stand still before it is given up (default: 15)",
       set_value<&Config::remote_stall_timeout_s>(), show_value<&Config::remote_stall_timeout_s>()},
      {"remoteUploadTimeout", Type::Number, "REMOTE_UPLOAD_TIMEOUT", false, "",
       "seconds memo waits at exit for its uploads to finish (default: 60)",
       set_value<&Config::remote_upload_timeout_s>(),
       show_value<&Config::remote_upload_timeout_s>()},
  };
  return specs;
}

const SettingSpec* find_setting(std::string_view key) {
  for (const auto& spec : setting_specs()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::expected<void, std::string> apply_setting(Config& config, const SettingSpec& spec,
                                               const json& value,
                                               const std::filesystem::path& base) {
  if (!valid_shape(spec.type, value)) {
    // A provider's options may hold secrets: they are not echoed.
    std::string got = spec.type == Type::Provider ? "" : ", got " + util::json_text(value);
    return std::unexpected(expectation(spec.type) + got);
  }
  if (spec.type == Type::GlobList) {
    if (auto checked = check_globs(value, spec.key == "environmentGlob"); !checked) {
      return checked;
    }
  }
  if (!spec.apply) return {};
  return spec.apply(config, value, base);
}

}  // namespace memo::config
