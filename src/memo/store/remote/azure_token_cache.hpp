#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "memo/store/remote/backend.hpp"

namespace memo::store::remote {

// An Azure AD (Entra ID) access token for Azure Storage, and when it stops being good.
struct AccessToken {
  std::string token;
  std::chrono::system_clock::time_point expires;
};

// Where tokens come from: a client secret, a federated token, a managed identity, the Azure
// CLI. A failure is Denied when the identity was refused, Unreachable when its endpoint was;
// its message never holds a secret.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // "environment", "workload-identity", "managed-identity", "azure-cli": for messages.
  virtual std::string name() const = 0;
  virtual RemoteResult<AccessToken> fetch() = 0;
};

// One source's token, kept until shortly before it expires; one fetch at a time however many
// threads ask.
class TokenCache {
 public:
  explicit TokenCache(std::unique_ptr<TokenSource> source);

  RemoteResult<std::string> token();
  // The service refused `token`: the next call fetches a new one.
  void forget(const std::string& token);
  std::string source_name() const { return source_->name(); }

 private:
  std::unique_ptr<TokenSource> source_;
  std::mutex mutex_;
  std::optional<AccessToken> cached_;
  std::chrono::system_clock::time_point renew_at_;
};

}  // namespace memo::store::remote
