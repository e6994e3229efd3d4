#include "memo/store/remote/s3_error.hpp"

#include "memo/store/remote/s3_xml.hpp"
#include "memo/util/printable.hpp"

namespace memo::store::remote {

namespace {

using Kind = RemoteError::Kind;

struct Explained {
  Kind kind;
  std::string words;
};

std::string quoted(const std::string& text) {
  return "\"" + util::printable(text) + "\"";
}

// The region the server says the bucket is in, when it says.
std::string bucket_region(const HttpResponse& response) {
  std::string region = xml_element_text(response.body, "Region");
  if (region.empty()) region = response.header("x-amz-bucket-region").value_or("");
  return region;
}

std::optional<Explained> explain_credentials(const std::string& code, const S3Scene& scene) {
  if (code == "SignatureDoesNotMatch") {
    return Explained{Kind::Denied,
                     "the signature was refused: check the secret key of " + scene.credentials};
  }
  if (code == "InvalidAccessKeyId") {
    return Explained{Kind::Denied,
                     "the access key is not known to the server: check " + scene.credentials};
  }
  if (code == "AccessDenied" || code == "AllAccessDisabled") {
    const bool write = scene.access == S3Access::Write;
    return Explained{Kind::Denied, "the credentials (" + scene.credentials + ") may not " +
                                       (write ? "write" : "read") + " bucket " +
                                       quoted(scene.bucket) +
                                       (write ? ": they may be read-only" : "")};
  }
  if (code == "ExpiredToken" || code == "TokenRefreshRequired") {
    return Explained{Kind::Denied, "the session token has expired: get new temporary credentials"};
  }
  if (code == "InvalidToken") {
    return Explained{Kind::Denied, "the session token is not valid for " + scene.credentials};
  }
  if (code == "RequestTimeTooSkewed") {
    return Explained{Kind::Denied,
                     "this machine's clock is too far from the server's: set the time right"};
  }
  return std::nullopt;
}

std::optional<Explained> explain_bucket(const std::string& code, const HttpResponse& response,
                                        const S3Scene& scene) {
  if (code == "NoSuchBucket") {
    return Explained{Kind::Denied, "bucket " + quoted(scene.bucket) + " does not exist"};
  }
  const std::string region = bucket_region(response);
  if ((code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" ||
       response.status == 301) &&
      !region.empty() && region != scene.region) {
    return Explained{Kind::Denied, "bucket " + quoted(scene.bucket) + " is in region " +
                                       quoted(region) + ", not " + quoted(scene.region) +
                                       ": set cacheStorageConfig.options.region"};
  }
  if (code == "KeyTooLongError") {
    return Explained{Kind::Server,
                     "the object name is longer than S3 allows (1024 bytes): shorten "
                     "cacheStorageConfig.options.prefix or keyTemplate"};
  }
  if (code == "XAmzContentSHA256Mismatch" || code == "BadDigest") {
    return Explained{Kind::Server, "the bytes the server received differ from those sent"};
  }
  return std::nullopt;
}

// An answer without a known code: the status decides, the server's short message says why.
Explained explain_other(const std::string& code, const HttpResponse& response,
                        const S3Scene& scene) {
  std::string said = xml_element_text(response.body, "Message").substr(0, 200);
  if (said.empty() && code.empty() && response.status >= 300 && response.status < 400) {
    said = "a redirect the s3 protocol does not use (is the endpoint an S3 server?)";
  }
  if (response.status == 401 || response.status == 403) {
    return {Kind::Denied, "the server refused " + scene.credentials + " for bucket " +
                              quoted(scene.bucket) + (said.empty() ? "" : ": " + said)};
  }
  return {Kind::Server, said.empty() ? "the server could not do it" : said};
}

}  // namespace

std::string s3_error_code(const HttpResponse& response) {
  return xml_element_text(response.body, "Code");
}

RemoteError s3_error(const HttpResponse& response, const S3Scene& scene) {
  const std::string code = s3_error_code(response);
  auto explained = explain_credentials(code, scene);
  if (!explained) explained = explain_bucket(code, response, scene);
  if (!explained) explained = explain_other(code, response, scene);
  RemoteError error;
  error.kind = explained->kind;
  error.http_status = response.status;
  error.message = scene.what + ": " + util::printable(explained->words) + " (" +
                  std::to_string(response.status) + (code.empty() ? "" : " " + code) + ")";
  return error;
}

}  // namespace memo::store::remote
