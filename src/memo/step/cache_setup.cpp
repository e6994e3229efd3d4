#include "memo/step/cache_setup.hpp"

#include "memo/store/remote/backends.hpp"
#include "memo/util/units.hpp"

namespace memo::step {

namespace {

using config::Mode;

// maxSize, in bytes (backfill's) or as a size such as "50MB".
std::expected<std::optional<std::uint64_t>, std::string> max_size_of(
    const nlohmann::json& options) {
  if (!options.contains("maxSize") || options["maxSize"].is_null()) return std::nullopt;
  const auto& value = options["maxSize"];
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_string()) {
    auto bytes = util::parse_size(value.get<std::string>());
    if (bytes) return *bytes;
  }
  return std::unexpected(std::string(
      "cacheStorageConfig.options.maxSize: expected a number of bytes or a size such as \"50MB\""));
}

store::CachePolicy policy_for(const config::Config& config, bool no_remote) {
  const bool remote_allowed = !no_remote && !config.skip_remote_cache;
  store::CachePolicy policy;
  policy.read_remote = remote_allowed && config.mode != Mode::WriteOnly;
  policy.write_remote = remote_allowed && config.write_remote_cache &&
                        (config.mode == Mode::ReadWrite || config.mode == Mode::WriteOnly);
  policy.upload_wait = std::chrono::seconds(config.remote_upload_timeout_s);
  return policy;
}

}  // namespace

OpenedCache::~OpenedCache() {
  cache_.reset();  // waits for the uploads, which read the local store
  local_.reset();
  scratch_.reset();
}

std::expected<std::unique_ptr<OpenedCache>, std::string> OpenedCache::open(
    const config::Config& config, bool no_remote) {
  std::unique_ptr<OpenedCache> opened(new OpenedCache());
  std::unique_ptr<store::remote::Backend> backend;
  store::CachePolicy policy = policy_for(config, no_remote);
  if (store::remote::is_remote_provider(config.provider)) {
    store::remote::BackendSettings settings{config.provider,
                                            config.provider_options,
                                            {static_cast<long>(config.remote_connect_timeout_ms),
                                             static_cast<long>(config.remote_stall_timeout_s)},
                                            config.repo_root};
    auto made = store::remote::make_backend(settings);
    if (!made) return std::unexpected(made.error());
    auto max_size = max_size_of(config.provider_options);
    if (!max_size) return std::unexpected(max_size.error());
    policy.max_size = *max_size;
    backend = std::move(*made);
  }
  if (backend && config.skip_local_cache) {
    opened->scratch_.emplace(ScratchStore::make(config.internal_cache_folder));
  }
  opened->local_ = std::make_unique<store::LocalStore>(
      opened->scratch_ ? opened->scratch_->root() : config.internal_cache_folder);
  opened->cache_ = std::make_unique<store::Cache>(*opened->local_, std::move(backend), policy);
  return opened;
}

}  // namespace memo::step
