#pragma once

#include <algorithm>
#include <cstddef>
#include <expected>
#include <string>

#include "memo/store/remote/backend.hpp"

namespace memo::store::remote {

// An upload's bytes in pieces of a chosen size: a source may give fewer bytes per read than
// asked, so a part is filled by as many reads as it takes.
class S3PartReader {
 public:
  explicit S3PartReader(ArtifactSource& source) : source_(source) {}

  // The next `size` bytes, fewer only at the artifact's end (none after it), or why the
  // source could not give them. The first buffer grows as bytes come, so a small artifact
  // never costs a whole part's memory; once a part was full, the next ones start full size.
  std::expected<std::string, std::string> next(std::size_t size) {
    std::string part;
    if (filled_one_) part.resize(size);
    std::size_t filled = 0;
    while (filled < size && !ended_) {
      if (filled == part.size()) part.resize(std::min(size, std::max(kFirstBuffer, 2 * filled)));
      auto read = source_.read({part.data() + filled, part.size() - filled});
      if (!read) return std::unexpected(read.error());
      if (*read > part.size() - filled) {
        return std::unexpected("the artifact gave more bytes than asked");
      }
      if (*read == 0) ended_ = true;
      filled += *read;
    }
    filled_one_ = filled_one_ || filled == size;
    part.resize(filled);
    return part;
  }

 private:
  static constexpr std::size_t kFirstBuffer = 64 * 1024;

  ArtifactSource& source_;
  bool ended_ = false;
  bool filled_one_ = false;
};

}  // namespace memo::store::remote
