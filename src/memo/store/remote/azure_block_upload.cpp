#include "memo/store/remote/azure_block_upload.hpp"

#include <deque>
#include <future>
#include <optional>

namespace memo::store::remote {

RemoteResult<void> read_part(ArtifactSource& source, std::string& part, std::size_t size) {
  part.resize(size);
  std::size_t filled = 0;
  while (filled < size) {
    auto read = source.read({part.data() + filled, size - filled});
    if (!read) {
      return std::unexpected(RemoteError{RemoteError::Kind::Aborted, read.error()});
    }
    if (*read == 0) break;
    filled += *read;
  }
  part.resize(filled);
  return {};
}

RemoteResult<std::size_t> upload_parts(ArtifactSource& source, std::vector<std::string> first_parts,
                                       std::size_t part_size, std::size_t in_flight,
                                       const PartSender& send) {
  struct Sent {
    RemoteResult<void> result;
    std::string part;  // handed back for the next read: at most in_flight + 1 buffers live
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
  auto launch = [&](std::string part) {
    while (running.size() >= in_flight) finish_oldest();
    running.push_back(
        std::async(std::launch::async, [&send, index, part = std::move(part)]() mutable {
          auto result = send(index, part);
          return Sent{std::move(result), std::move(part)};
        }));
    ++index;
  };
  for (auto& part : first_parts) launch(std::move(part));
  while (!failed) {
    std::string part;
    if (!spare.empty()) {
      part = std::move(spare.back());
      spare.pop_back();
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
