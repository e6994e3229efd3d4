#pragma once

#include <atomic>
#include <string>

#include "memo/store/remote/backend.hpp"
#include "memo/store/remote/s3_client.hpp"

namespace memo::store::remote {

// Artifacts as objects in an S3 bucket (AWS, or any store that speaks S3 with SigV4): GET
// streamed, HEAD, PUT for up to 8 MiB and a multipart upload beyond. Made by
// make_s3_backend (backends.hpp) from the settings docs/remote/s3.md lists.
class S3Backend : public Backend {
 public:
  explicit S3Backend(S3Settings settings) : client_(std::move(settings)) {}

  std::string name() const override { return "s3"; }
  std::string where() const override { return client_.where(); }

  RemoteResult<bool> get(const ArtifactId& id, ArtifactSink& sink) override;
  RemoteResult<bool> has(const ArtifactId& id) override;
  RemoteResult<void> put(const ArtifactId& id, ArtifactSource& source) override;

 private:
  // A 404 is a miss only when the bucket exists: the first one without a body to tell (HEAD)
  // asks again by GET whether the key or the bucket is missing.
  RemoteResult<bool> miss_unless_no_bucket(const std::string& object_name);
  // A HEAD's error has no body to say why; a ranged GET of the same object does.
  RemoteError explain_head_failure(const HttpResponse& head, const HttpRequest& request,
                                   const std::string& object_name) const;
  RemoteResult<void> put_whole(const std::string& object_name, const std::string& bytes);

  S3Client client_;
  std::atomic<bool> bucket_seen_{false};
};

}  // namespace memo::store::remote
