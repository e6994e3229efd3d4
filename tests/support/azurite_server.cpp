#include "support/azurite_server.hpp"

#include <stdexcept>

#include "memo/exec/subprocess.hpp"
#include "memo/store/remote/http_client.hpp"
#include "support/azure_sas.hpp"

namespace memo::testing {

namespace {

using store::remote::HttpRequest;
using store::remote::HttpResponse;

class StringSink final : public store::remote::ArtifactSink {
 public:
  bool expect(std::optional<std::uint64_t>) override { return true; }
  bool write(std::string_view bytes) override {
    bytes_.append(bytes);
    return true;
  }
  std::string bytes_;
};

std::optional<HttpResponse> perform(HttpRequest request, const std::string& ca_file) {
  request.headers.push_back("x-ms-version: 2021-12-02");
  request.ca_file = ca_file;
  auto response = store::remote::http_perform(request, {});
  if (!response) return std::nullopt;
  return std::move(*response);
}

bool succeeded(const std::optional<HttpResponse>& response) {
  return response && response->status >= 200 && response->status < 300;
}

}  // namespace

AzuriteServer& AzuriteServer::shared() {
  static AzuriteServer server;
  return server;
}

AzuriteServer& AzuriteServer::shared_oauth() {
  static AzuriteServer server(Mode::HttpsOAuth);
  return server;
}

AzuriteServer::AzuriteServer(Mode mode) : mode_(mode), port_(free_port()) {
  if (mode_ == Mode::HttpsOAuth) {
    auto made = exec::capture_output(
        {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
         (data_ / "key.pem").string(), "-out", (data_ / "cert.pem").string()},
        data_.path());
    if (!made || made->exit_code != 0) {
      throw std::runtime_error("openssl could not make a certificate: " +
                               (made ? made->stderr_text : made.error()));
    }
  }
  start();
}

std::string AzuriteServer::ca_file() const {
  return mode_ == Mode::HttpsOAuth ? (data_ / "cert.pem").string() : std::string();
}

AzuriteServer::~AzuriteServer() = default;

void AzuriteServer::start() {
  const auto binary = test_servers_dir() / "azurite" / "node_modules" / ".bin" / "azurite-blob";
  if (!std::filesystem::exists(binary)) {
    throw std::runtime_error(binary.string() + " is missing: run scripts/install-test-servers.sh");
  }
  process_.reset();
  std::vector<std::string> argv{binary.string(),
                                "--blobHost",
                                "127.0.0.1",
                                "--blobPort",
                                std::to_string(port_),
                                "--location",
                                (data_ / "data").string(),
                                "--silent",
                                "--skipApiVersionCheck"};
  if (mode_ == Mode::HttpsOAuth) {
    for (const char* word : {"--oauth", "basic", "--cert"}) argv.push_back(word);
    argv.push_back((data_ / "cert.pem").string());
    argv.push_back("--key");
    argv.push_back((data_ / "key.pem").string());
  }
  process_ = std::make_unique<ServerProcess>(argv, data_ / "azurite.log");
  if (!process_->wait_until_answers(blob_endpoint(), std::chrono::seconds(30))) {
    throw std::runtime_error("Azurite did not start: " + read_file(data_ / "azurite.log"));
  }
}

void AzuriteServer::stop() {
  process_.reset();
}

std::string AzuriteServer::blob_endpoint() const {
  return std::string(mode_ == Mode::HttpsOAuth ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(port_) + "/" + kAccount;
}

std::string AzuriteServer::connection_string() const {
  return std::string("DefaultEndpointsProtocol=http;AccountName=") + kAccount +
         ";AccountKey=" + kAccountKey + ";BlobEndpoint=" + blob_endpoint() + ";";
}

std::string AzuriteServer::sas_connection_string(const std::string& sas) const {
  return "BlobEndpoint=" + blob_endpoint() + ";SharedAccessSignature=" + sas;
}

std::string AzuriteServer::sas(const std::string& permissions, const std::string& expiry) const {
  return azure_account_sas(kAccount, kAccountKey, permissions, expiry);
}

std::string AzuriteServer::blob_url(const std::string& container, const std::string& name,
                                    const std::string& query) const {
  return blob_endpoint() + "/" + container + (name.empty() ? "" : "/" + name) + "?" +
         (query.empty() ? "" : query + "&") + sas("racwdl");
}

bool AzuriteServer::create_container(const std::string& container) const {
  HttpRequest request{.method = "PUT", .url = blob_url(container, "", "restype=container")};
  auto response = perform(request, ca_file());
  return succeeded(response) || (response && response->status == 409);
}

bool AzuriteServer::container_exists(const std::string& container) const {
  return succeeded(
      perform({.method = "HEAD", .url = blob_url(container, "", "restype=container")}, ca_file()));
}

std::optional<std::string> AzuriteServer::read_blob(const std::string& container,
                                                    const std::string& name) const {
  StringSink sink;
  if (!succeeded(perform({.url = blob_url(container, name), .sink = &sink}, ca_file())))
    return std::nullopt;
  return sink.bytes_;
}

bool AzuriteServer::write_blob(const std::string& container, const std::string& name,
                               const std::string& bytes) const {
  return succeeded(
      perform({.method = "PUT",
               .url = blob_url(container, name),
               .headers = {"x-ms-blob-type: BlockBlob", "Content-Type: application/octet-stream"},
               .body = bytes},
              ca_file()));
}

bool AzuriteServer::delete_blob(const std::string& container, const std::string& name) const {
  return succeeded(perform({.method = "DELETE", .url = blob_url(container, name)}, ca_file()));
}

bool AzuriteServer::truncate_blob(const std::string& container, const std::string& name,
                                  std::size_t size) const {
  auto bytes = read_blob(container, name);
  return bytes && bytes->size() >= size && write_blob(container, name, bytes->substr(0, size));
}

bool AzuriteServer::corrupt_blob(const std::string& container, const std::string& name) const {
  auto bytes = read_blob(container, name);
  if (!bytes || bytes->empty()) return false;
  (*bytes)[bytes->size() / 2] = static_cast<char>(~(*bytes)[bytes->size() / 2]);
  return write_blob(container, name, *bytes);
}

std::optional<std::size_t> AzuriteServer::committed_blocks(const std::string& container,
                                                           const std::string& name) const {
  StringSink sink;
  auto response = perform(
      {.url = blob_url(container, name, "comp=blocklist&blocklisttype=committed"), .sink = &sink},
      ca_file());
  if (!succeeded(response)) return std::nullopt;
  std::size_t blocks = 0;
  for (auto at = sink.bytes_.find("<Block>"); at != std::string::npos;
       at = sink.bytes_.find("<Block>", at + 1)) {
    ++blocks;
  }
  return blocks;
}

}  // namespace memo::testing
