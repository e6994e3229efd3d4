#include "memo/store/remote/s3_backend.hpp"

#include <memory>

#include "memo/store/remote/backends.hpp"
#include "memo/store/remote/http_client.hpp"
#include "memo/store/remote/parallel_upload.hpp"
#include "memo/store/remote/s3_multipart_upload.hpp"

namespace memo::store::remote {

namespace {

// Takes no byte: a probe wants the error's body, never the object.
class RefusingSink : public ArtifactSink {
 public:
  bool expect(std::optional<std::uint64_t>) override { return false; }
  bool write(std::string_view) override { return false; }
};

}  // namespace

RemoteResult<bool> S3Backend::get(const ArtifactId& id, ArtifactSink& sink) {
  const std::string object_name = client_.settings().namer.object_name(id);
  HttpRequest request{.method = "GET", .url = client_.url(object_name)};
  request.sink = &sink;
  auto response = client_.send(request);
  if (!response) return std::unexpected(response.error());
  if (is_success(response->status)) {
    bucket_seen_ = true;
    return true;
  }
  if (response->status == 404 && s3_error_code(*response) != "NoSuchBucket") {
    bucket_seen_ = true;
    return false;
  }
  return std::unexpected(client_.failure(*response, request, S3Access::Read));
}

RemoteResult<bool> S3Backend::has(const ArtifactId& id) {
  const std::string object_name = client_.settings().namer.object_name(id);
  HttpRequest request{.method = "HEAD", .url = client_.url(object_name)};
  auto response = client_.send(request);
  if (!response) return std::unexpected(response.error());
  if (is_success(response->status)) {
    bucket_seen_ = true;
    return true;
  }
  if (response->status == 404) return miss_unless_no_bucket(object_name);
  return std::unexpected(explain_head_failure(*response, request, object_name));
}

RemoteResult<bool> S3Backend::miss_unless_no_bucket(const std::string& object_name) {
  if (bucket_seen_) return false;
  RefusingSink refuse;
  HttpRequest probe{.method = "GET", .url = client_.url(object_name)};
  probe.headers.push_back("Range: bytes=0-0");
  probe.sink = &refuse;
  auto response = client_.send(probe);
  // The object came in between (the refused byte stopped the GET): it is there now.
  if (!response && response.error().kind == RemoteError::Kind::Aborted) return true;
  if (!response) return std::unexpected(response.error());
  if (response->status == 404 && s3_error_code(*response) != "NoSuchBucket") {
    bucket_seen_ = true;
    return false;
  }
  return std::unexpected(client_.failure(*response, probe, S3Access::Read));
}

RemoteError S3Backend::explain_head_failure(const HttpResponse& head, const HttpRequest& request,
                                            const std::string& object_name) const {
  RefusingSink refuse;
  HttpRequest probe{.method = "GET", .url = client_.url(object_name)};
  probe.headers.push_back("Range: bytes=0-0");
  probe.sink = &refuse;
  auto response = client_.send(probe);
  if (response && !is_success(response->status) && !s3_error_code(*response).empty()) {
    return client_.failure(*response, request, S3Access::Read);
  }
  return client_.failure(head, request, S3Access::Read);
}

RemoteResult<void> S3Backend::put(const ArtifactId& id, ArtifactSource& source) {
  const std::string object_name = client_.settings().namer.object_name(id);
  auto first = read_first_parts(source, kS3PartSize);
  if (!first) return std::unexpected(first.error());
  if (first->size() == 1) return put_whole(object_name, first->front());
  return s3_multipart_upload(client_, object_name, std::move(*first), source);
}

RemoteResult<void> S3Backend::put_whole(const std::string& object_name, const std::string& bytes) {
  HttpRequest request{.method = "PUT", .url = client_.url(object_name)};
  request.body = bytes;
  auto response = client_.send(request);
  if (!response) return std::unexpected(response.error());
  if (!is_success(response->status)) {
    return std::unexpected(client_.failure(*response, request, S3Access::Write));
  }
  return {};
}

MadeBackend make_s3_backend(const BackendSettings& settings) {
  auto s3 = read_s3_settings(settings);
  if (!s3) return std::unexpected(s3.error());
  return std::make_unique<S3Backend>(std::move(*s3));
}

}  // namespace memo::store::remote
