#include "memo/store/artifact/artifact_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "memo/util/files.hpp"

namespace memo::store::artifact {

namespace {

constexpr std::size_t kReadChunk = 1 << 20;
// A chunk read from a blob at least this big is sampled: one that does not compress is
// stored as it is (images, archives, minified bundles already compressed).
constexpr std::size_t kSampledFrom = 256 * 1024;

}  // namespace

ArtifactWriter::ArtifactWriter(Entry entry, const LocalStore& store, remote::ArtifactLayout layout)
    : entry_(std::move(entry)),
      store_(store),
      layout_(std::move(layout)),
      compressor_(make_compressor(layout_.compression)) {}

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
    const std::string record = serialize_entry(entry_);
    TarMember member{layout_.prefix + kEntryMember, TarMember::Type::File, 0644, record.size(), ""};
    return add_member(member, record);
  }
  if (next_output_ < entry_.outputs.size()) return next_member();
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
  member.size = output.size;
  auto blob = store_.open_blob(output.digest);
  if (!blob) return std::unexpected(output.path + ": " + blob.error().message);
  if (auto added = compressor_->add(tar_header(member), pending_); !added) return added;
  file_ = std::move(*blob);
  file_output_ = &output;
  file_left_ = output.size;
  // A blob this process wrote and hashed moments ago (the usual upload, right after a store)
  // is not hashed again.
  file_hasher_ = store_.is_checked(output.digest, file_->get())
                     ? nullptr
                     : std::make_unique<util::Hasher>(util::Hasher::Algorithm::Sha256);
  return {};
}

std::expected<void, std::string> ArtifactWriter::continue_file() {
  // One byte more than is left, to see a blob longer than the entry says.
  read_buffer_.resize(kReadChunk);
  const std::size_t want = std::min<std::uint64_t>(kReadChunk, file_left_ + 1);
  char* buffer = read_buffer_.data();
  ssize_t n = ::read(file_->get(), buffer, want);
  if (n < 0 && errno == EINTR) return {};
  if (n < 0) return std::unexpected(file_output_->path + ": " + util::errno_message(errno));
  const auto got = static_cast<std::uint64_t>(n);
  if (got > file_left_ || (n == 0 && file_left_ > 0)) {
    return std::unexpected(file_output_->path + ": its blob is not the size the entry says");
  }
  if (n == 0) {
    file_.reset();
    if (file_hasher_ && file_hasher_->hex_digest() != file_output_->digest) {
      return std::unexpected(file_output_->path + ": its blob's bytes are not the entry's");
    }
    return compressor_->add(tar_padding(file_output_->size), pending_);
  }
  if (file_hasher_) file_hasher_->update(buffer, got);
  file_left_ -= got;
  std::string_view bytes(buffer, got);
  if (got >= kSampledFrom && looks_incompressible(bytes))
    return compressor_->add_stored(bytes, pending_);
  return compressor_->add(bytes, pending_);
}

}  // namespace memo::store::artifact
