#pragma once

#include <string>

#include "memo/store/remote/backend.hpp"
#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

enum class S3Access { Read, Write };

// What a failed request was doing, for the words of its error.
struct S3Scene {
  std::string what;  // "GET https://b.s3.us-east-1.amazonaws.com/<object>"
  std::string bucket;
  std::string region;
  std::string credentials;  // "access key \"AKIA…\" from AWS_ACCESS_KEY_ID", never the secret
  S3Access access = S3Access::Read;
};

// The <Code> of an S3 error answer ("NoSuchKey"), empty when its body holds none (HEAD).
std::string s3_error_code(const HttpResponse& response);

// A failed S3 answer (any non-2xx, or a 200 whose body is an <Error>, as CompleteMultipartUpload
// may send) as a RemoteError that says in plain words what is wrong and what to do: a refused
// signature, an unknown access key, credentials that may not read or write the bucket, an
// expired session token, a missing bucket, a wrong region or clock are Denied (the user must
// act), the rest Server. The server's own text is never copied beyond its short <Message>.
RemoteError s3_error(const HttpResponse& response, const S3Scene& scene);

}  // namespace memo::store::remote
