#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "memo/store/remote/azure_blob_errors.hpp"
#include "memo/store/remote/azure_connection_string.hpp"
#include "memo/store/remote/azure_shared_key.hpp"
#include "memo/store/remote/azure_token_cache.hpp"
#include "memo/store/remote/backend.hpp"
#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

// What an azure-blob backend is made from (see make_azure_blob_backend).
struct AzureBlobConfig {
  AzureConnection connection;
  std::string container;
  HttpTimeouts timeouts;
  // Azure AD tokens, when the connection string holds neither an account key nor a SAS.
  std::shared_ptr<TokenCache> token;
  std::string ca_file;  // caFile: the certificates to trust for the Blob service's HTTPS
};

// Azure Blob Storage: each entry is a block blob in one container, named by its key. Requests
// are signed with the account key (Shared Key), carry a SAS, or carry an Azure AD token.
class AzureBlobBackend final : public Backend {
 public:
  explicit AzureBlobBackend(AzureBlobConfig config);

  std::string name() const override { return "azure-blob"; }
  std::string where() const override;

  RemoteResult<bool> get(const ArtifactId& id, ArtifactSink& sink) override;
  RemoteResult<bool> has(const ArtifactId& id) override;
  RemoteResult<void> put(const ArtifactId& id, ArtifactSource& source) override;

  // Entries up to this size go in one Put Blob; bigger ones in blocks of this size.
  static constexpr std::size_t kBlockSize = 8 * 1024 * 1024;
  static constexpr std::size_t kBlocksInFlight = 3;

 private:
  // One request to the service, before the date, version and authorization are added.
  struct Call {
    std::string method;
    std::string blob;  // empty: the container itself
    NameValues query;  // besides the SAS
    NameValues headers;
    std::string_view body;
    ArtifactSink* sink = nullptr;
    AzureAccess access = AzureAccess::Read;
  };

  RemoteResult<HttpResponse> send(const Call& call) const;
  // Adds the Authorization header: the Shared Key signature, or the bearer token.
  void authorize(const Call& call, const std::string& bearer, NameValues& headers) const;
  // Sends a write; when the container is missing, creates it and sends the write once more.
  RemoteResult<HttpResponse> send_write(const Call& call);
  RemoteResult<void> create_container();
  RemoteResult<void> put_blob(const std::string& key, std::string_view bytes);
  RemoteResult<void> put_blocks(const std::string& key, std::vector<std::string> first_blocks,
                                ArtifactSource& source);

  std::string resource_url(const Call& call) const;  // without a query: fit for messages
  std::string url_of(const Call& call) const;
  std::string path_of(const Call& call) const;
  RemoteError failure(const HttpResponse& response, const Call& call) const;
  RemoteError without_secrets(RemoteError error) const;

  AzureBlobConfig config_;
  AzureAuth auth_;
  std::string endpoint_path_;         // the endpoint URL's path: "" or "/devstoreaccount1"
  std::vector<std::string> secrets_;  // what no message may hold
  std::mutex container_creation_;
};

}  // namespace memo::store::remote
