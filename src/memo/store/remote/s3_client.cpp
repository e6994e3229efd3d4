#include "memo/store/remote/s3_client.hpp"

#include <algorithm>
#include <cctype>

#include "memo/util/digest.hpp"
#include "memo/util/printable.hpp"

namespace memo::store::remote {

namespace {

// A bucket name that can be a DNS label of a TLS certificate's wildcard: no dots, no capitals.
bool is_virtual_host_safe(const std::string& bucket) {
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string aws_domain(const std::string& region) {
  return region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

bool has_header(const HttpRequest& request, std::string_view name) {
  for (const auto& header : request.headers) {
    if (header.size() > name.size() && header[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), header.begin(), [](unsigned char a, unsigned char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return true;
    }
  }
  return false;
}

void replace_all(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "<secret>");
  }
}

}  // namespace

S3Client::S3Client(S3Settings settings) : settings_(std::move(settings)) {
  base_url_ = bucket_base_url();
  credentials_ = "access key \"" + util::printable(settings_.credentials.access_key_id) +
                 "\" from " + settings_.credentials.origin;
}

std::string S3Client::bucket_base_url() const {
  const std::string bucket = url_encode(settings_.bucket);
  if (!settings_.endpoint.empty()) return settings_.endpoint + "/" + bucket + "/";
  const std::string host = "s3." + settings_.region + "." + aws_domain(settings_.region);
  if (is_virtual_host_safe(settings_.bucket)) return "https://" + bucket + "." + host + "/";
  return "https://" + host + "/" + bucket + "/";
}

std::string S3Client::where() const {
  const std::string place = settings_.endpoint.empty() ? settings_.region : settings_.endpoint;
  return "s3://" + settings_.bucket + "/" +
         settings_.namer.object_name({"<key>", "<package>", "<command>"}) + " at " + place;
}

std::string S3Client::url(const std::string& object_name, std::string_view query) const {
  std::string url = base_url_ + s3_url_path(object_name);
  if (!query.empty()) url += "?" + std::string(query);
  return url;
}

RemoteResult<HttpResponse> S3Client::send(HttpRequest request) const {
  request.aws_sigv4 = "aws:amz:" + settings_.region + ":s3";
  request.username = settings_.credentials.access_key_id;
  request.password = settings_.credentials.secret_access_key;
  // libcurl 7.88 signs this header but does not add it.
  request.headers.push_back(std::string("x-amz-content-sha256: ") +
                            (request.source ? "UNSIGNED-PAYLOAD" : util::sha256_hex(request.body)));
  if (!settings_.credentials.session_token.empty()) {
    request.headers.push_back("x-amz-security-token: " + settings_.credentials.session_token);
  }
  // A body is sent as form fields, which would make curl call it form data.
  const bool bodiless = request.method == "GET" || request.method == "HEAD";
  if (!bodiless && !has_header(request, "content-type")) {
    request.headers.push_back("Content-Type: application/octet-stream");
  }
  // Never a null body pointer: libcurl would read the body from stdin.
  if (request.body.data() == nullptr) request.body = "";
  auto response = http_perform(request, settings_.timeouts);
  if (!response) return std::unexpected(scrubbed(response.error()));
  return response;
}

RemoteError S3Client::failure(const HttpResponse& response, const HttpRequest& request,
                              S3Access access) const {
  const std::string what = request.method + " " + request.url.substr(0, request.url.find('?'));
  return scrubbed(
      s3_error(response, {what, settings_.bucket, settings_.region, credentials_, access}));
}

RemoteError S3Client::scrubbed(RemoteError error) const {
  replace_all(error.message, settings_.credentials.secret_access_key);
  replace_all(error.message, settings_.credentials.session_token);
  return error;
}

}  // namespace memo::store::remote
