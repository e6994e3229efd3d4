#pragma once

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
  // source could not give them.
  std::expected<std::string, std::string> next(std::size_t size) {
    std::string part(size, '\0');
    std::size_t filled = 0;
    while (filled < size && !ended_) {
      auto read = source_.read({part.data() + filled, size - filled});
      if (!read) return std::unexpected(read.error());
      if (*read > size - filled) return std::unexpected("the artifact gave more bytes than asked");
      if (*read == 0) ended_ = true;
      filled += *read;
    }
    part.resize(filled);
    return part;
  }

 private:
  ArtifactSource& source_;
  bool ended_ = false;
};

}  // namespace memo::store::remote
