#pragma once

#include <string>
#include <string_view>

#include "memo/store/remote/s3_error.hpp"
#include "memo/store/remote/s3_settings.hpp"

namespace memo::store::remote {

// Requests to one bucket, signed with SigV4 by libcurl: objects' URLs, the headers S3 wants,
// and its failed answers in plain words. Every error it gives has the secrets scrubbed out.
// Const and thread-safe: requests may run from several threads at once.
class S3Client {
 public:
  explicit S3Client(S3Settings settings);

  const S3Settings& settings() const { return settings_; }
  // The bucket and where it is, for messages: "s3://bucket/prefix at http://host:port".
  std::string where() const;

  // The object's URL; `query` is already encoded ("uploads=", "partNumber=2&uploadId=…").
  std::string url(const std::string& object_name, std::string_view query = {}) const;

  // Sends `request` signed. Its body (request.body) is hashed into x-amz-content-sha256, so
  // the server checks what it received; a bodiless request hashes the empty string.
  RemoteResult<HttpResponse> send(HttpRequest request) const;

  // A failed answer to `request` in plain words; `access` says whether it read or wrote.
  RemoteError failure(const HttpResponse& response, const HttpRequest& request,
                      S3Access access) const;

  // `error` with any secret (the secret key, the session token) that got into it replaced.
  RemoteError scrubbed(RemoteError error) const;

 private:
  std::string bucket_base_url() const;

  S3Settings settings_;
  std::string base_url_;     // everything before the object name, '/' included
  std::string credentials_;  // for messages: the access key and where it came from
};

}  // namespace memo::store::remote
