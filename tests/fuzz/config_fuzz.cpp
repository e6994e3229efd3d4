// The config's JSON readers (config/loader.cpp, util/json.cpp, config/config.cpp): any bytes,
// read as util::parse_json does, as a memo.json / backfill config's values, as
// BACKFILL_CACHE_PROVIDER_OPTIONS or as a list setting's variable, give a config or an error,
// never a crash; and redacting secrets keeps no secret and is stable.

#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include "fuzz_support.hpp"
#include "memo/config/config.hpp"
#include "memo/config/loader.hpp"
#include "memo/config/settings.hpp"
#include "memo/util/json.hpp"

namespace {

namespace config = memo::config;

config::EnvLookup one_variable(std::string name, std::string_view value) {
  return [name = std::move(name), value = std::string(value)](const std::string& asked) {
    return asked == name ? std::optional<std::string>(value) : std::nullopt;
  };
}

// The values of a config file go through the setting table as load_config's last step does.
void apply_values(const nlohmann::json& values, const std::filesystem::path& base) {
  if (!values.is_object()) return;
  config::Config cfg;
  cfg.package_root = base;
  cfg.repo_root = base;
  for (const auto& [key, value] : values.items()) {
    const config::SettingSpec* spec = config::find_setting(key);
    if (!spec || !spec->apply) continue;
    (void)config::apply_setting(cfg, *spec, value, base);
  }
  for (const auto& spec : config::setting_specs()) {
    if (spec.show) (void)memo::util::json_text(spec.show(cfg));
  }
}

void write_text(const std::filesystem::path& file, std::string_view text) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) memo::fuzz::fail("cannot write the scratch memo.json");
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n <= 0) memo::fuzz::fail("cannot write the scratch memo.json");
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memo::fuzz::ScratchDir repo;
  std::string_view text = memo::fuzz::as_text(data, size);

  for (bool comments : {false, true}) {
    auto parsed = memo::util::parse_json(text, comments);
    if (!parsed) continue;
    (void)parsed->dump();  // the parser only lets UTF-8 in
    apply_values(*parsed, repo.path());
    auto redacted = config::redact_secrets(*parsed);
    if (config::redact_secrets(redacted) != redacted) memo::fuzz::fail("redaction is not stable");
  }
  std::string once = config::redact_secret_parts(text);
  if (config::redact_secret_parts(once) != once) memo::fuzz::fail("redaction is not stable");

  config::PackageLocation package{repo.path(), repo.path(), "a"};
  for (const char* name : {"BACKFILL_CACHE_PROVIDER_OPTIONS", "MEMO_OUTPUT_GLOB", "MEMO_HASH_GLOBS",
                           "MEMO_CACHE_KEY", "BACKFILL_MODE", "BACKFILL_CACHE_PROVIDER"}) {
    if (auto loaded = config::load_package_config(package, one_variable(name, text))) {
      for (const auto& [key, value] : loaded->shown) (void)memo::util::json_text(value);
    }
  }
  // As a memo.json in the package.
  const auto memo_json = repo.path() / "memo.json";
  write_text(memo_json, text);
  if (auto loaded = config::load_package_config(package, one_variable("", ""))) {
    for (const auto& [key, value] : loaded->shown) (void)memo::util::json_text(value);
  }
  ::unlink(memo_json.c_str());
  return 0;
}
