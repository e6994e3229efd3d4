#include "memo/store/remote/spooled_upload.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "memo/util/files.hpp"

namespace memo::store::remote {

namespace {

constexpr std::size_t kCopyBuffer = 1 << 20;

// Fills `buffer` from `source` until it is full or the source ends; the count read.
std::expected<std::size_t, std::string> fill(ArtifactSource& source, std::span<char> buffer) {
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    auto read = source.read(buffer.subspan(filled));
    if (!read) return std::unexpected(read.error());
    if (*read == 0) break;
    filled += *read;
  }
  return filled;
}

std::expected<util::Fd, std::string> unnamed_temp_file() {
  std::error_code error;
  std::filesystem::path dir = std::filesystem::temp_directory_path(error);
  if (error) dir = "/tmp";
  util::Fd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd) return fd;
  // A file system without O_TMPFILE: a named file, unlinked at once.
  std::string name = (dir / "memo-upload-XXXXXX").string();
  fd.reset(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd) {
    return std::unexpected("cannot make a temp file in " + dir.string() +
                           " for the upload: " + util::errno_message(errno));
  }
  ::unlink(name.c_str());
  return fd;
}

std::expected<void, std::string> write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      return std::unexpected("cannot write the upload's temp file: " + util::errno_message(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return {};
}

class FileReplay final : public ArtifactSource {
 public:
  explicit FileReplay(int fd) : fd_(fd) {}
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    for (;;) {
      ssize_t got = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset_));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        return std::unexpected("cannot read the upload's temp file: " + util::errno_message(errno));
      }
      offset_ += static_cast<std::uint64_t>(got);
      return static_cast<std::size_t>(got);
    }
  }

 private:
  int fd_;
  std::uint64_t offset_ = 0;
};

class MemoryReplay final : public ArtifactSource {
 public:
  explicit MemoryReplay(std::string_view bytes) : rest_(bytes) {}
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    std::size_t count = std::min(buffer.size(), rest_.size());
    rest_.copy(buffer.data(), count);
    rest_.remove_prefix(count);
    return count;
  }

 private:
  std::string_view rest_;
};

}  // namespace

std::expected<SpooledUpload, std::string> SpooledUpload::read(ArtifactSource& source,
                                                              std::size_t memory_limit) {
  SpooledUpload upload;
  upload.head_.resize(memory_limit);
  auto filled = fill(source, upload.head_);
  if (!filled) return std::unexpected(filled.error());
  upload.head_.resize(*filled);
  upload.size_ = *filled;
  if (*filled < memory_limit) return upload;
  // Full: one more read tells whether there is more than the limit.
  std::vector<char> probe(kCopyBuffer);
  auto more = fill(source, probe);
  if (!more) return std::unexpected(more.error());
  if (*more == 0) return upload;
  if (auto spilled = upload.spill(source, {probe.data(), *more}); !spilled) {
    return std::unexpected(spilled.error());
  }
  return upload;
}

std::expected<void, std::string> SpooledUpload::spill(ArtifactSource& source,
                                                      std::string_view more) {
  auto file = unnamed_temp_file();
  if (!file) return std::unexpected(file.error());
  file_ = std::move(*file);
  if (auto written = write_all(file_.get(), head_); !written) return written;
  head_ = std::string();  // frees the memory, not just the size
  std::vector<char> buffer(kCopyBuffer);
  for (std::string_view chunk = more; !chunk.empty();) {
    if (auto written = write_all(file_.get(), chunk); !written) return written;
    size_ += chunk.size();
    auto read = fill(source, buffer);
    if (!read) return std::unexpected(read.error());
    chunk = std::string_view(buffer.data(), *read);
  }
  return {};
}

std::optional<std::string_view> SpooledUpload::in_memory() const {
  if (file_) return std::nullopt;
  return std::string_view(head_);
}

std::unique_ptr<ArtifactSource> SpooledUpload::replay() const {
  if (file_) return std::make_unique<FileReplay>(file_.get());
  return std::make_unique<MemoryReplay>(head_);
}

std::expected<std::size_t, std::string> ExactSizeSource::read(std::span<char> buffer) {
  const std::uint64_t left = size_ - given_;
  auto got = source_.read(buffer.subspan(0, std::min<std::uint64_t>(buffer.size(), left)));
  if (!got) return got;
  if (*got == 0 && left > 0)
    return std::unexpected(std::string("the artifact came out shorter than counted"));
  given_ += *got;
  if (given_ == size_ && left > 0) {
    char extra;
    auto more = source_.read({&extra, 1});
    if (!more) return more;
    if (*more > 0) return std::unexpected(std::string("the artifact came out longer than counted"));
  }
  return got;
}

}  // namespace memo::store::remote
