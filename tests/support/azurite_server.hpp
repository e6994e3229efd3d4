#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace memo::testing {

// Azurite's Blob service on a free port of 127.0.0.1 (installed by
// scripts/install-test-servers.sh under test_servers_dir()), with the well-known development
// account. Entries can be read, damaged and removed directly, past any backend, and the
// server stopped and started again on the same port with the same data.
class AzuriteServer {
 public:
  static constexpr const char* kAccount = "devstoreaccount1";
  // Published in Azure's documentation for the storage emulators: not a secret.
  static constexpr const char* kAccountKey =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  // Plain HTTP; or HTTPS with a self-signed certificate made for 127.0.0.1 (ca_file()) and
  // Azurite's basic OAuth: bearer tokens are let in when their claims are right (audience,
  // an Azure AD issuer, times), whatever their signature.
  enum class Mode { Http, HttpsOAuth };

  // The process's one Azurite of each mode, started at first use and stopped when the process
  // exits (the Remote<Backend> suites run in one process per backend).
  static AzuriteServer& shared();
  static AzuriteServer& shared_oauth();

  explicit AzuriteServer(Mode mode = Mode::Http);
  ~AzuriteServer();
  AzuriteServer(const AzuriteServer&) = delete;
  AzuriteServer& operator=(const AzuriteServer&) = delete;

  int port() const { return port_; }
  // The certificate to trust in HttpsOAuth mode (the caFile option); empty in Http mode.
  std::string ca_file() const;
  // "http://127.0.0.1:<port>/devstoreaccount1" (https in HttpsOAuth mode)
  std::string blob_endpoint() const;
  // Signed with the account key: "DefaultEndpointsProtocol=http;AccountName=…;AccountKey=…;
  // BlobEndpoint=…;"
  std::string connection_string() const;
  // With a SAS instead of the key.
  std::string sas_connection_string(const std::string& sas) const;
  // An account SAS for the Blob service with `permissions` ("rl", "racwdl").
  std::string sas(const std::string& permissions,
                  const std::string& expiry = "2099-01-01T00:00:00Z") const;

  // Direct access to what is stored (signed with a full account SAS); false or nothing when
  // the service said no.
  bool create_container(const std::string& container) const;
  bool container_exists(const std::string& container) const;
  std::optional<std::string> read_blob(const std::string& container, const std::string& name) const;
  bool write_blob(const std::string& container, const std::string& name,
                  const std::string& bytes) const;
  bool delete_blob(const std::string& container, const std::string& name) const;
  // Keeps the first `size` bytes.
  bool truncate_blob(const std::string& container, const std::string& name, std::size_t size) const;
  // Flips every bit of the byte in the middle.
  bool corrupt_blob(const std::string& container, const std::string& name) const;
  // How many blocks the blob's committed block list holds (0 for a blob sent in one request).
  std::optional<std::size_t> committed_blocks(const std::string& container,
                                              const std::string& name) const;

  // Stops the server (nothing listens on the port then) and starts it again, same data.
  void stop();
  void start();

 private:
  std::string blob_url(const std::string& container, const std::string& name,
                       const std::string& query = "") const;

  TempDir data_;
  Mode mode_;
  int port_;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace memo::testing
