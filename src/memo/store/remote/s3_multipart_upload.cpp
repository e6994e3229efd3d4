#include "memo/store/remote/s3_multipart_upload.hpp"

#include <map>
#include <mutex>
#include <utility>

#include "memo/store/remote/parallel_upload.hpp"
#include "memo/store/remote/s3_xml.hpp"

namespace memo::store::remote {

namespace {

// One multipart upload: its parts go out through `upload_parts`, each recording its ETag.
class MultipartUpload {
 public:
  MultipartUpload(const S3Client& client, std::string object_name, std::string upload_id)
      : client_(client), object_name_(std::move(object_name)), upload_id_(std::move(upload_id)) {}

  RemoteResult<void> run(std::vector<std::string> first_parts, ArtifactSource& source) {
    auto send = [this](std::size_t index, std::string_view bytes) {
      return upload_part(static_cast<int>(index) + 1, bytes);
    };
    auto parts = upload_parts(source, std::move(first_parts), kS3PartSize, kS3PartsInFlight, send);
    if (!parts) {
      abort();
      return std::unexpected(parts.error());
    }
    auto completed = complete();
    if (!completed) abort();
    return completed;
  }

 private:
  std::string query(std::string_view before = {}) const {
    return std::string(before) + "uploadId=" + url_encode(upload_id_);
  }

  // Sends one part and keeps its ETag, which CompleteMultipartUpload names it by.
  RemoteResult<void> upload_part(int number, std::string_view bytes) {
    if (number > kS3MaxParts) {
      return std::unexpected(RemoteError{RemoteError::Kind::Aborted,
                                         "the artifact for " + client_.url(object_name_) +
                                             " is bigger than S3 takes (10,000 parts of 8 MiB)"});
    }
    HttpRequest request;
    request.method = "PUT";
    request.url = client_.url(object_name_, query("partNumber=" + std::to_string(number) + "&"));
    request.body = bytes;
    auto response = client_.send(request);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) {
      return std::unexpected(client_.failure(*response, request, S3Access::Write));
    }
    auto etag = response->header("etag");
    if (!etag || etag->empty()) {
      return std::unexpected(RemoteError{RemoteError::Kind::Server,
                                         "PUT " + client_.url(object_name_) + " part " +
                                             std::to_string(number) + ": the answer has no ETag",
                                         response->status});
    }
    std::lock_guard lock(mutex_);
    etags_[number] = *etag;
    return {};
  }

  RemoteResult<void> complete() const {
    std::string xml = "<CompleteMultipartUpload>";
    for (const auto& [number, etag] : etags_) {
      xml += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" +
             xml_escaped(etag) + "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    HttpRequest request;
    request.method = "POST";
    request.url = client_.url(object_name_, query());
    request.headers.push_back("Content-Type: application/xml");
    request.body = xml;
    auto response = client_.send(request);
    if (!response) return std::unexpected(response.error());
    // S3 may answer 200 and still fail: the <Error> is then in the body.
    if (response->status != 200 || !s3_error_code(*response).empty()) {
      return std::unexpected(client_.failure(*response, request, S3Access::Write));
    }
    return {};
  }

  // Best effort: a failed abort leaves parts the bucket's lifecycle rule should clean up.
  void abort() const {
    HttpRequest request;
    request.method = "DELETE";
    request.url = client_.url(object_name_, query());
    (void)client_.send(request);
  }

  const S3Client& client_;
  const std::string object_name_;
  const std::string upload_id_;

  std::mutex mutex_;
  std::map<int, std::string> etags_;
};

RemoteResult<std::string> create_upload(const S3Client& client, const std::string& object_name) {
  HttpRequest request;
  request.method = "POST";
  // A key without a value must be written "uploads=" for libcurl 7.88 to sign it right.
  request.url = client.url(object_name, "uploads=");
  auto response = client.send(request);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) {
    return std::unexpected(client.failure(*response, request, S3Access::Write));
  }
  std::string upload_id = xml_element_text(response->body, "UploadId");
  if (upload_id.empty()) {
    return std::unexpected(
        RemoteError{RemoteError::Kind::Server,
                    "POST " + client.url(object_name) + "?uploads: the answer names no UploadId",
                    response->status});
  }
  return upload_id;
}

}  // namespace

RemoteResult<void> s3_multipart_upload(const S3Client& client, const std::string& object_name,
                                       std::vector<std::string> first_parts,
                                       ArtifactSource& source) {
  auto upload_id = create_upload(client, object_name);
  if (!upload_id) return std::unexpected(upload_id.error());
  MultipartUpload upload(client, object_name, std::move(*upload_id));
  return upload.run(std::move(first_parts), source);
}

}  // namespace memo::store::remote
