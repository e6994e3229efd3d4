#include "memo/store/remote/azure_blob_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "memo/store/remote/azure_blob_settings.hpp"
#include "memo/store/remote/azure_secrets.hpp"
#include "memo/store/remote/backends.hpp"
#include "memo/store/remote/parallel_upload.hpp"
#include "memo/util/base64.hpp"

namespace memo::store::remote {

namespace {

// Shared Key and bearer tokens both work from this version on.
constexpr const char* kServiceVersion = "2021-12-02";

// RFC 1123, in English whatever the locale: "Wed, 02 Dec 2026 08:04:19 GMT".
std::string http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday],
                utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return text;
}

std::string url_path(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto slash = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  return slash == std::string::npos ? std::string() : url.substr(slash);
}

AzureAuth auth_of(const AzureBlobConfig& config) {
  if (!config.connection.account_key.empty()) return AzureAuth::SharedKey;
  if (!config.connection.sas.empty()) return AzureAuth::Sas;
  if (config.token) return AzureAuth::Bearer;
  return AzureAuth::Anonymous;
}

// The service refused the token itself (not what it may do): a new one may be let in.
bool token_refused(const HttpResponse& response) {
  const std::string code = azure_error_code(response);
  return response.status == 401 ||
         (response.status == 403 &&
          (code == "AuthenticationFailed" || code == "InvalidAuthenticationInfo"));
}

// A block id unique to this upload: base64 of "<16 hex digits>-<6 digits>", all one length as
// the service requires, and never the same as another upload's of the same key.
std::string block_id(const std::string& upload, std::size_t index) {
  char number[8];
  std::snprintf(number, sizeof number, "%06zu", index);
  return util::base64_encode(upload + "-" + number);
}

std::string random_upload_name() {
  std::random_device device;
  std::uniform_int_distribution<unsigned> digit(0, 15);
  std::string name;
  for (int i = 0; i < 16; ++i) name += "0123456789abcdef"[digit(device)];
  return name;
}

bool container_missing(const HttpResponse& response) {
  return response.status == 404 && azure_error_code(response) == "ContainerNotFound";
}

}  // namespace

AzureBlobBackend::AzureBlobBackend(AzureBlobConfig config)
    : config_(std::move(config)),
      auth_(auth_of(config_)),
      endpoint_path_(url_path(config_.connection.blob_endpoint)),
      secrets_(azure_secrets(config_.connection)) {}

std::string AzureBlobBackend::where() const {
  return config_.connection.blob_endpoint + "/" + config_.container;
}

std::string AzureBlobBackend::path_of(const Call& call) const {
  return endpoint_path_ + "/" + config_.container +
         (call.blob.empty() ? "" : "/" + url_encode(call.blob));
}

std::string AzureBlobBackend::resource_url(const Call& call) const {
  return config_.connection.blob_endpoint + "/" + config_.container +
         (call.blob.empty() ? "" : "/" + url_encode(call.blob));
}

std::string AzureBlobBackend::url_of(const Call& call) const {
  std::string url = resource_url(call);
  char separator = '?';
  for (const auto& [name, value] : call.query) {
    url += separator + url_encode(name) + "=" + url_encode(value);
    separator = '&';
  }
  if (!config_.connection.sas.empty()) url += separator + config_.connection.sas;
  return url;
}

RemoteError AzureBlobBackend::without_secrets(RemoteError error) const {
  error.message = redacted(std::move(error.message), secrets_);
  return error;
}

RemoteError AzureBlobBackend::failure(const HttpResponse& response, const Call& call) const {
  return without_secrets(
      azure_status_error(response, call.method + " " + resource_url(call), auth_, call.access));
}

void AzureBlobBackend::authorize(const Call& call, const std::string& bearer,
                                 NameValues& headers) const {
  if (auth_ == AzureAuth::SharedKey) {
    const std::string path = path_of(call);
    const SharedKeyRequest signed_part{call.method, path, call.query, headers, call.body.size()};
    headers.emplace_back("Authorization",
                         shared_key_authorization(signed_part, config_.connection.account_name,
                                                  config_.connection.account_key));
  } else if (auth_ == AzureAuth::Bearer) {
    headers.emplace_back("Authorization", "Bearer " + bearer);
  }
}

RemoteResult<HttpResponse> AzureBlobBackend::send(const Call& call) const {
  NameValues headers = call.headers;
  headers.emplace_back("x-ms-date", http_date());
  headers.emplace_back("x-ms-version", kServiceVersion);
  // libcurl would call a body form data otherwise, and the type is signed.
  if (call.method == "PUT" && std::none_of(headers.begin(), headers.end(), [](const auto& h) {
        return h.first == "Content-Type";
      })) {
    headers.emplace_back("Content-Type", "application/octet-stream");
  }
  std::string bearer;
  if (auth_ == AzureAuth::Bearer) {
    auto token = config_.token->token();
    if (!token) return std::unexpected(without_secrets(token.error()));
    bearer = std::move(*token);
  }
  authorize(call, bearer, headers);
  HttpRequest request;
  request.method = call.method;
  request.url = url_of(call);
  request.body = call.body;
  request.sink = call.sink;
  request.ca_file = config_.ca_file;
  for (const auto& [name, value] : headers) request.headers.push_back(name + ": " + value);
  auto response = http_perform(request, config_.timeouts);
  if (!response) return std::unexpected(without_secrets(response.error()));
  if (auth_ == AzureAuth::Bearer && token_refused(*response)) config_.token->forget(bearer);
  return response;
}

RemoteResult<HttpResponse> AzureBlobBackend::send_write(const Call& call) {
  auto response = send(call);
  if (!response || !container_missing(*response)) return response;
  if (auto created = create_container(); !created) return std::unexpected(created.error());
  return send(call);
}

RemoteResult<void> AzureBlobBackend::create_container() {
  // One creation at a time: parallel blocks all find the container missing at once.
  std::lock_guard lock(container_creation_);
  const Call call{
      .method = "PUT", .query = {{"restype", "container"}}, .access = AzureAccess::Write};
  auto response = send(call);
  if (!response) return std::unexpected(response.error());
  if (is_success(response->status) || azure_error_code(*response) == "ContainerAlreadyExists") {
    return {};
  }
  RemoteError error = failure(*response, call);
  error.message = "the container \"" + config_.container +
                  "\" does not exist and could not be created: " + error.message;
  return std::unexpected(error);
}

RemoteResult<bool> AzureBlobBackend::get(const ArtifactId& id, ArtifactSink& sink) {
  const Call call{.method = "GET", .blob = id.key, .sink = &sink};
  auto response = send(call);
  if (!response) return std::unexpected(response.error());
  if (is_success(response->status)) return true;
  if (response->status == 404) return false;
  return std::unexpected(failure(*response, call));
}

RemoteResult<bool> AzureBlobBackend::has(const ArtifactId& id) {
  const Call call{.method = "HEAD", .blob = id.key};
  auto response = send(call);
  if (!response) return std::unexpected(response.error());
  if (is_success(response->status)) return true;
  if (response->status == 404) return false;
  return std::unexpected(failure(*response, call));
}

RemoteResult<void> AzureBlobBackend::put(const ArtifactId& id, ArtifactSource& source) {
  auto first = read_first_parts(source, kBlockSize);
  if (!first) return std::unexpected(first.error());
  if (first->size() == 1) return put_blob(id.key, first->front());
  return put_blocks(id.key, std::move(*first), source);
}

RemoteResult<void> AzureBlobBackend::put_blob(const std::string& key, std::string_view bytes) {
  const Call call{.method = "PUT",
                  .blob = key,
                  .headers = {{"x-ms-blob-type", "BlockBlob"}},
                  .body = bytes,
                  .access = AzureAccess::Write};
  auto response = send_write(call);
  if (!response) return std::unexpected(response.error());
  if (!is_success(response->status)) return std::unexpected(failure(*response, call));
  return {};
}

RemoteResult<void> AzureBlobBackend::put_blocks(const std::string& key,
                                                std::vector<std::string> first_blocks,
                                                ArtifactSource& source) {
  const std::string upload = random_upload_name();
  auto put_block = [&](std::size_t index, std::string_view bytes) -> RemoteResult<void> {
    const Call call{.method = "PUT",
                    .blob = key,
                    .query = {{"comp", "block"}, {"blockid", block_id(upload, index)}},
                    .body = bytes,
                    .access = AzureAccess::Write};
    auto response = send_write(call);
    if (!response) return std::unexpected(response.error());
    if (!is_success(response->status)) return std::unexpected(failure(*response, call));
    return {};
  };
  auto blocks =
      upload_parts(source, std::move(first_blocks), kBlockSize, kBlocksInFlight, put_block);
  if (!blocks) return std::unexpected(blocks.error());
  std::string list = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (std::size_t index = 0; index < *blocks; ++index) {
    list += "<Latest>" + block_id(upload, index) + "</Latest>";
  }
  list += "</BlockList>";
  const Call commit{.method = "PUT",
                    .blob = key,
                    .query = {{"comp", "blocklist"}},
                    .headers = {{"Content-Type", "application/xml"}},
                    .body = list,
                    .access = AzureAccess::Write};
  auto response = send_write(commit);
  if (!response) return std::unexpected(response.error());
  if (!is_success(response->status)) return std::unexpected(failure(*response, commit));
  return {};
}

MadeBackend make_azure_blob_backend(const BackendSettings& settings) {
  auto config = read_azure_blob_settings(settings);
  if (!config) return std::unexpected(config.error());
  return std::make_unique<AzureBlobBackend>(std::move(*config));
}

}  // namespace memo::store::remote
