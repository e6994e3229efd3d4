#include "memo/store/artifact/artifact_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "memo/util/files.hpp"

namespace memo::store::artifact {

namespace {

constexpr std::size_t kReadChunk = 1 << 20;
// A chunk read from a blob at least this big is sampled: one that does not compress is
// stored as it is (images, archives, minified bundles already compressed).
constexpr std::size_t kSampledFrom = 256 * 1024;
// exact_size() is worked out for artifacts of this many output bytes on, as long as it means
// compressing no more than kSizingBudget of them twice; a smaller or more compressible one is
// spooled instead.
constexpr std::uint64_t kSizedFrom = 8 << 20;
constexpr std::uint64_t kSizingBudget = 8 << 20;

}  // namespace

archive::OutputFile log_member_file(const OutputLog& log) {
  archive::OutputFile file;
  file.path = kLogMember;
  file.mode = 0644;
  file.size = log.size;
  file.digest = log.digest;
  return file;
}

ArtifactWriter::ArtifactWriter(Entry entry, const LocalStore& store, remote::ArtifactLayout layout)
    : entry_(std::move(entry)),
      store_(store),
      layout_(std::move(layout)),
      compressor_(make_compressor(layout_.compression)) {
  if (entry_.log) log_ = log_member_file(*entry_.log);
}

std::expected<std::size_t, std::string> ArtifactWriter::read(std::span<char> buffer) {
  while (pending_offset_ == pending_.size() && !finished_) {
    pending_.clear();
    pending_offset_ = 0;
    if (auto produced = produce(); !produced) return std::unexpected(produced.error());
  }
  std::size_t n = std::min(buffer.size(), pending_.size() - pending_offset_);
  std::memcpy(buffer.data(), pending_.data() + pending_offset_, n);
  pending_offset_ += n;
  return n;
}

std::expected<void, std::string> ArtifactWriter::produce() {
  if (file_) return continue_file();
  if (!header_written_) {
    header_written_ = true;
    if (!layout_.package_json.empty()) {
      TarMember package_json{layout_.prefix + "package.json", TarMember::Type::File, 0644,
                             layout_.package_json.size(), ""};
      if (auto added = add_member(package_json, layout_.package_json); !added) return added;
    }
    // Every file is a member of its own here, whatever the local store packed.
    const std::string record = serialize_entry(without_packs(entry_));
    TarMember member{layout_.prefix + kEntryMember, TarMember::Type::File, 0644, record.size(), ""};
    return add_member(member, record);
  }
  if (next_output_ < entry_.outputs.size()) return next_member();
  if (log_ && !log_begun_) {
    log_begun_ = true;
    return begin_file(*log_, layout_.prefix + kLogMember);
  }
  finished_ = true;
  if (auto ended = compressor_->add(tar_end(), pending_); !ended) return ended;
  return compressor_->finish(pending_);
}

std::expected<void, std::string> ArtifactWriter::add_member(const TarMember& member,
                                                            std::string_view content) {
  if (auto added = compressor_->add(tar_header(member), pending_); !added) return added;
  if (auto added = compressor_->add(content, pending_); !added) return added;
  return compressor_->add(tar_padding(content.size()), pending_);
}

std::expected<void, std::string> ArtifactWriter::next_member() {
  const archive::OutputFile& output = entry_.outputs[next_output_++];
  TarMember member;
  member.name = layout_.prefix + output.path;
  member.mode = output.mode;
  if (output.type == archive::OutputFile::Type::Symlink) {
    member.type = TarMember::Type::Symlink;
    member.link_target = output.link_target;
    return compressor_->add(tar_header(member), pending_);
  }
  return begin_file(output, member.name);
}

std::expected<void, std::string> ArtifactWriter::begin_file(const archive::OutputFile& output,
                                                            const std::string& member_name) {
  TarMember member{member_name, TarMember::Type::File, output.mode, output.size, ""};
  auto blob = store_.open_output(output);
  if (!blob) return std::unexpected(output.path + ": " + blob.error().message);
  if (auto added = compressor_->add(tar_header(member), pending_); !added) return added;
  file_ = std::move(blob->fd);
  file_start_ = blob->offset;
  file_in_pack_ = blob->in_pack;
  file_output_ = &output;
  file_left_ = output.size;
  // A blob this process wrote and hashed moments ago (the usual upload, right after a store)
  // is not hashed again.
  file_hasher_ = sizing_ || blob->checked
                     ? nullptr
                     : std::make_unique<util::Hasher>(util::Hasher::Algorithm::Sha256);
  return {};
}

std::expected<void, std::string> ArtifactWriter::continue_file() {
  if (file_left_ == 0) return end_file();
  const std::uint64_t offset = file_output_->size - file_left_;
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kReadChunk, file_left_));
  read_buffer_.resize(kReadChunk);
  char* buffer = read_buffer_.data();
  if (sizing_ && want >= kSampledFrom) {
    // The sample the real pass will take, and nothing more when it says "stored".
    auto sampled = read_at(buffer, std::min(want, kIncompressibleSample), offset);
    if (!sampled) return std::unexpected(sampled.error());
    if (looks_incompressible({buffer, *sampled})) {
      file_left_ -= want;
      stored_bytes_ += want;
      return compressor_->add_stored_headers(want, pending_);
    }
  }
  auto got = read_at(buffer, want, offset);
  if (!got) return std::unexpected(got.error());
  if (*got < want) {
    return std::unexpected(file_output_->path + ": its blob is not the size the entry says");
  }
  if (file_hasher_) file_hasher_->update(buffer, want);
  file_left_ -= want;
  std::string_view bytes(buffer, want);
  if (want >= kSampledFrom && looks_incompressible(bytes)) {
    return compressor_->add_stored(bytes, pending_);
  }
  compressed_bytes_ += want;
  return compressor_->add(bytes, pending_);
}

std::expected<void, std::string> ArtifactWriter::end_file() {
  // One byte more than the entry says: a longer blob is not the entry's (a pack holds more).
  char extra;
  auto more = file_in_pack_ ? std::expected<std::size_t, std::string>(0)
                            : read_at(&extra, 1, file_output_->size);
  if (!more) return std::unexpected(more.error());
  if (*more > 0) {
    return std::unexpected(file_output_->path + ": its blob is not the size the entry says");
  }
  file_.reset();
  if (file_hasher_ && file_hasher_->hex_digest() != file_output_->digest) {
    return std::unexpected(file_output_->path + ": its blob's bytes are not the entry's");
  }
  return compressor_->add(tar_padding(file_output_->size), pending_);
}

// Up to `want` bytes of the file from `offset`: fewer only at its blob's end.
std::expected<std::size_t, std::string> ArtifactWriter::read_at(char* into, std::size_t want,
                                                                std::uint64_t offset) {
  std::size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(file_->get(), into + got, want - got,
                        static_cast<off_t>(file_start_ + offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(file_output_->path + ": " + util::errno_message(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

std::optional<std::uint64_t> ArtifactWriter::exact_size() {
  if (header_written_ || layout_.compression != Compression::Zstd) return std::nullopt;
  std::uint64_t total = 0;
  for (const auto& output : entry_.outputs) total += output.size;
  if (log_) total += log_->size;
  if (total < kSizedFrom) return std::nullopt;
  // The same artifact once more, counted instead of kept; stored chunks are only sampled.
  ArtifactWriter counter(entry_, store_, layout_);
  counter.sizing_ = true;
  std::uint64_t size = 0;
  while (!counter.finished_) {
    counter.pending_.clear();
    if (!counter.produce()) return std::nullopt;
    size += counter.pending_.size();
    if (counter.compressed_bytes_ > kSizingBudget) return std::nullopt;
  }
  return size + counter.stored_bytes_;
}

}  // namespace memo::store::artifact
