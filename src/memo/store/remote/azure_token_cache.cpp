#include "memo/store/remote/azure_token_cache.hpp"

namespace memo::store::remote {

namespace {

// A token is renewed this long before it expires, or half way through a shorter life.
constexpr std::chrono::minutes kRenewalMargin{5};

}  // namespace

TokenCache::TokenCache(std::unique_ptr<TokenSource> source) : source_(std::move(source)) {}

RemoteResult<std::string> TokenCache::token() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::system_clock::now();
  if (cached_ && now < renew_at_) return cached_->token;
  auto fetched = source_->fetch();
  if (!fetched) return std::unexpected(fetched.error());
  const auto life = fetched->expires - now;
  renew_at_ = fetched->expires - std::min<std::chrono::system_clock::duration>(
                                     kRenewalMargin, life > life.zero() ? life / 2 : life.zero());
  cached_ = std::move(*fetched);
  return cached_->token;
}

void TokenCache::forget(const std::string& token) {
  std::lock_guard lock(mutex_);
  if (cached_ && cached_->token == token) cached_.reset();
}

}  // namespace memo::store::remote
