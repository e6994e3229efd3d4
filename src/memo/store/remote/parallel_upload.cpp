#include "memo/store/remote/parallel_upload.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <optional>

namespace memo::store::remote {

namespace {

constexpr std::size_t kFirstBuffer = 64 * 1024;

RemoteError source_failure(const std::string& why) {
  return RemoteError{RemoteError::Kind::Aborted, "reading the artifact: " + why};
}

}  // namespace

RemoteResult<void> read_part(ArtifactSource& source, std::string& part, std::size_t size) {
  part.resize(std::min(size, std::max(part.capacity(), kFirstBuffer)));
  std::size_t filled = 0;
  while (filled < size) {
    if (filled == part.size()) part.resize(std::min(size, 2 * filled));
    auto read = source.read({part.data() + filled, part.size() - filled});
    if (!read) return std::unexpected(source_failure(read.error()));
    if (*read > part.size() - filled) {
      return std::unexpected(source_failure("the artifact gave more bytes than asked"));
    }
    if (*read == 0) break;
    filled += *read;
  }
  part.resize(filled);
  return {};
}

RemoteResult<std::vector<std::string>> read_first_parts(ArtifactSource& source,
                                                        std::size_t part_size) {
  std::vector<std::string> parts(1);
  if (auto read = read_part(source, parts[0], part_size); !read) {
    return std::unexpected(read.error());
  }
  if (parts[0].size() < part_size) return parts;
  std::string second;
  second.reserve(part_size);  // a big artifact: the part will be full
  if (auto read = read_part(source, second, part_size); !read) {
    return std::unexpected(read.error());
  }
  if (!second.empty()) parts.push_back(std::move(second));
  return parts;
}

RemoteResult<std::size_t> upload_parts(ArtifactSource& source, std::vector<std::string> first_parts,
                                       std::size_t part_size, std::size_t in_flight,
                                       const PartSender& send) {
  struct Sent {
    RemoteResult<void> result;
    std::string part;  // handed back for the next read
  };
  std::deque<std::future<Sent>> running;
  std::vector<std::string> spare;
  std::optional<RemoteError> failed;
  auto finish_oldest = [&] {
    Sent sent = running.front().get();
    running.pop_front();
    if (!sent.result && !failed) failed = sent.result.error();
    spare.push_back(std::move(sent.part));
  };
  std::size_t index = 0;
  bool ended = false;
  auto launch = [&](std::string part) {
    ended = part.size() < part_size;
    while (running.size() >= in_flight) finish_oldest();
    running.push_back(
        std::async(std::launch::async, [&send, index, part = std::move(part)]() mutable {
          auto result = send(index, part);
          return Sent{std::move(result), std::move(part)};
        }));
    ++index;
  };
  for (auto& part : first_parts) launch(std::move(part));
  // A short part was the last: the source is not asked again once it has ended.
  while (!failed && !ended) {
    std::string part;
    if (!spare.empty()) {
      part = std::move(spare.back());
      spare.pop_back();
    } else {
      part.reserve(part_size);
    }
    if (auto read = read_part(source, part, part_size); !read) {
      failed = read.error();
      break;
    }
    if (part.empty()) break;
    launch(std::move(part));
  }
  while (!running.empty()) finish_oldest();
  if (failed) return std::unexpected(*failed);
  return index;
}

}  // namespace memo::store::remote
