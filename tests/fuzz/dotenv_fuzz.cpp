// The .env reader (config/dotenv.cpp): any bytes give variables, never a crash; and what it
// reads goes through the same layer as a .env at the repo root does (every BACKFILL_* and
// MEMO_* setting, BACKFILL_CACHE_PROVIDER_OPTIONS as JSON), giving a config or an error.

#include <optional>

#include "fuzz_support.hpp"
#include "memo/config/dotenv.hpp"
#include "memo/config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static memo::fuzz::ScratchDir repo;
  auto values = memo::config::parse_dotenv(memo::fuzz::as_text(data, size));
  for (const auto& [name, value] : values) {
    if (name.empty()) memo::fuzz::fail("an empty variable name");
  }
  memo::config::EnvLookup lookup = [&values](const std::string& name) {
    auto found = values.find(name);
    return found == values.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
  memo::config::PackageLocation package{repo.path(), repo.path(), "a"};
  (void)memo::config::load_package_config(package, lookup);
  return 0;
}
