#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "memo/store/remote/s3_client.hpp"

namespace memo::store::remote {

// An artifact up to this size goes in one PUT; a bigger one in parts of this size (S3 wants
// 5 MiB at least for every part but the last).
inline constexpr std::size_t kS3PartSize = 8 * 1024 * 1024;
// Parts uploaded at once, each by its own thread and request: memory stays within one part
// more than this (40 MiB), whatever the artifact's size.
inline constexpr int kS3PartsInFlight = 4;
// S3's limit: 10,000 parts of 8 MiB is 78 GiB.
inline constexpr int kS3MaxParts = 10000;

// Stores `object_name` by S3's multipart upload: CreateMultipartUpload, the parts (first the
// ones already read, then the rest of `source`) by UploadPart with at most kS3PartsInFlight
// at once, then CompleteMultipartUpload with their ETags. On any failure the upload is
// aborted, so no parts are left behind to be paid for.
RemoteResult<void> s3_multipart_upload(const S3Client& client, const std::string& object_name,
                                       std::vector<std::string> first_parts,
                                       ArtifactSource& source);

}  // namespace memo::store::remote
