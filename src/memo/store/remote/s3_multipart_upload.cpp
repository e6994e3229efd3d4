#include "memo/store/remote/s3_multipart_upload.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "memo/store/remote/s3_xml.hpp"

namespace memo::store::remote {

namespace {

struct Part {
  int number = 0;
  std::string bytes;
};

class MultipartUpload {
 public:
  MultipartUpload(const S3Client& client, std::string object_name, std::string upload_id,
                  std::deque<std::string> read_parts, S3PartReader& reader)
      : client_(client),
        object_name_(std::move(object_name)),
        upload_id_(std::move(upload_id)),
        read_parts_(std::move(read_parts)),
        reader_(reader) {}

  RemoteResult<void> run() {
    {
      std::vector<std::jthread> workers;
      for (int i = 0; i < kS3PartsInFlight; ++i) workers.emplace_back([this] { work(); });
    }
    if (failure_) {
      abort();
      return std::unexpected(*failure_);
    }
    auto completed = complete();
    if (!completed) abort();
    return completed;
  }

 private:
  std::string query(std::string_view before = {}) const {
    return std::string(before) + "uploadId=" + url_encode(upload_id_);
  }

  void work() {
    while (auto part = take_part()) {
      auto etag = upload_part(*part);
      std::lock_guard lock(mutex_);
      if (!etag) {
        if (!failure_) failure_ = etag.error();
        return;
      }
      etags_[part->number] = *etag;
    }
  }

  // The next part to send, read under the lock so that parts come from the source in order;
  // nothing once the artifact has ended or anything failed.
  std::optional<Part> take_part() {
    std::lock_guard lock(mutex_);
    if (failure_ || ended_) return std::nullopt;
    std::string bytes;
    if (!read_parts_.empty()) {
      bytes = std::move(read_parts_.front());
      read_parts_.pop_front();
    } else {
      auto read = reader_.next(kS3PartSize);
      if (!read) {
        failure_ = RemoteError{
            RemoteError::Kind::Aborted,
            "reading the artifact for " + client_.url(object_name_) + ": " + read.error()};
        return std::nullopt;
      }
      bytes = std::move(*read);
    }
    if (bytes.empty()) {
      ended_ = true;
      return std::nullopt;
    }
    if (next_number_ > kS3MaxParts) {
      failure_ = RemoteError{RemoteError::Kind::Aborted,
                             "the artifact for " + client_.url(object_name_) +
                                 " is bigger than S3 takes (10,000 parts of 8 MiB)"};
      return std::nullopt;
    }
    return Part{next_number_++, std::move(bytes)};
  }

  // The part's ETag, which CompleteMultipartUpload names it by.
  RemoteResult<std::string> upload_part(const Part& part) const {
    HttpRequest request;
    request.method = "PUT";
    request.url =
        client_.url(object_name_, query("partNumber=" + std::to_string(part.number) + "&"));
    request.body = part.bytes;
    auto response = client_.send(request);
    if (!response) return std::unexpected(response.error());
    if (response->status != 200) {
      return std::unexpected(client_.failure(*response, request, S3Access::Write));
    }
    auto etag = response->header("etag");
    if (!etag || etag->empty()) {
      return std::unexpected(RemoteError{RemoteError::Kind::Server,
                                         "PUT " + client_.url(object_name_) + " part " +
                                             std::to_string(part.number) +
                                             ": the answer has no ETag",
                                         response->status});
    }
    return *etag;
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
  std::deque<std::string> read_parts_;
  S3PartReader& reader_;
  int next_number_ = 1;
  bool ended_ = false;
  std::optional<RemoteError> failure_;
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
                                       std::deque<std::string> read_parts, S3PartReader& reader) {
  auto upload_id = create_upload(client, object_name);
  if (!upload_id) return std::unexpected(upload_id.error());
  MultipartUpload upload(client, object_name, std::move(*upload_id), std::move(read_parts), reader);
  return upload.run();
}

}  // namespace memo::store::remote
