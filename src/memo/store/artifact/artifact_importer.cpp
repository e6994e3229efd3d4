#include "memo/store/artifact/artifact_importer.hpp"

#include "memo/store/artifact/artifact_writer.hpp"

namespace memo::store::artifact {

namespace {

// An entry record is a few hundred bytes per output: this allows half a million outputs.
constexpr std::uint64_t kMaxEntryRecord = 256ULL << 20;
constexpr std::uint64_t kMaxPackageJson = 1ULL << 20;

}  // namespace

ArtifactImporter::ArtifactImporter(LocalStore& store, std::string key,
                                   remote::ArtifactLayout layout,
                                   std::optional<std::uint64_t> max_size)
    : store_(store),
      key_(std::move(key)),
      layout_(std::move(layout)),
      max_size_(max_size),
      decompressor_(make_decompressor(layout_.compression)),
      tar_(*this),
      expecting_(layout_.package_json.empty() ? Expecting::EntryRecord : Expecting::PackageJson) {}

bool ArtifactImporter::fail(std::string why) {
  if (!error_) error_ = std::move(why);
  blob_.reset();
  return false;
}

bool ArtifactImporter::expect(std::optional<std::uint64_t> size) {
  if (max_size_ && size && *size > *max_size_) {
    too_large_ = true;
    return fail("the artifact is " + std::to_string(*size) + " bytes, over maxSize");
  }
  return true;
}

bool ArtifactImporter::write(std::string_view bytes) {
  if (error_) return false;
  received_ += bytes.size();
  if (max_size_ && received_ > *max_size_) {
    too_large_ = true;
    return fail("the artifact is over maxSize (" + std::to_string(*max_size_) + " bytes)");
  }
  auto added = decompressor_->add(bytes, [this](std::string_view out) { return tar_.add(out); });
  if (!added) return fail(added.error());
  return true;
}

std::expected<Entry, std::string> ArtifactImporter::finish() {
  if (error_) return std::unexpected(*error_);
  if (!decompressor_->finished() || !tar_.finished()) {
    return std::unexpected(std::string("the artifact is truncated"));
  }
  if (!entry_ || next_output_ != entry_->outputs.size() || blob_) {
    return std::unexpected(std::string("the artifact lacks outputs its entry names"));
  }
  if (entry_->log && !log_) return std::unexpected(std::string("the artifact lacks its log"));
  auto written = store_.put_entry_record(*entry_);
  if (!written) return std::unexpected(written.error().message);
  new_bytes_ += *written;
  return std::move(*entry_);
}

std::expected<void, std::string> ArtifactImporter::begin(const TarMember& member) {
  if (!member.name.starts_with(layout_.prefix)) {
    return std::unexpected("member " + member.name + " is outside " + layout_.prefix);
  }
  const std::string name = member.name.substr(layout_.prefix.size());
  switch (expecting_) {
    case Expecting::PackageJson:
      if (name != "package.json" || member.type != TarMember::Type::File ||
          member.size > kMaxPackageJson) {
        return std::unexpected(std::string("the artifact does not start with its package.json"));
      }
      skipping_ = true;
      expecting_ = Expecting::EntryRecord;
      return {};
    case Expecting::EntryRecord:
      if (name != kEntryMember || member.type != TarMember::Type::File ||
          member.size > kMaxEntryRecord) {
        return std::unexpected(std::string("the artifact does not start with its entry record"));
      }
      in_record_ = true;
      return {};
    case Expecting::Outputs:
      return begin_output(member);
  }
  return {};
}

std::expected<void, std::string> ArtifactImporter::begin_output(const TarMember& member) {
  if (next_output_ >= entry_->outputs.size()) return begin_log(member);
  const archive::OutputFile& output = entry_->outputs[next_output_++];
  const std::string name = member.name.substr(layout_.prefix.size());
  const bool symlink = output.type == archive::OutputFile::Type::Symlink;
  if (name != output.path || symlink != (member.type == TarMember::Type::Symlink)) {
    return std::unexpected("member " + member.name + " is not the entry's next output (" +
                           output.path + ")");
  }
  if (symlink) {
    if (member.link_target != output.link_target) {
      return std::unexpected("symlink " + output.path + " points elsewhere than the entry says");
    }
    return {};
  }
  if (member.size != output.size) {
    return std::unexpected(output.path + " is not the size the entry says");
  }
  auto blob = store_.incoming_blob(output);
  if (!blob) return std::unexpected(blob.error().message);
  blob_.emplace(std::move(*blob));
  return {};
}

// The log comes last, when the entry names one.
std::expected<void, std::string> ArtifactImporter::begin_log(const TarMember& member) {
  const std::string name = member.name.substr(layout_.prefix.size());
  if (!entry_->log || log_ || name != kLogMember || member.type != TarMember::Type::File) {
    return std::unexpected("member " + member.name + " is not in the entry");
  }
  log_ = log_member_file(*entry_->log);
  if (member.size != log_->size) {
    return std::unexpected(std::string("the log is not the size the entry says"));
  }
  auto blob = store_.incoming_blob(*log_);
  if (!blob) return std::unexpected(blob.error().message);
  blob_.emplace(std::move(*blob));
  return {};
}

std::expected<void, std::string> ArtifactImporter::content(std::string_view bytes) {
  if (skipping_) return {};
  if (in_record_) {
    record_.append(bytes);
    return {};
  }
  if (!blob_) return std::unexpected(std::string("a symlink member has content"));
  if (auto written = blob_->write(bytes); !written) return std::unexpected(written.error().message);
  return {};
}

std::expected<void, std::string> ArtifactImporter::end() {
  if (skipping_) {
    skipping_ = false;
    return {};
  }
  if (in_record_) {
    in_record_ = false;
    auto entry = parse_entry(record_);
    record_.clear();
    if (!entry) return std::unexpected("its entry record: " + entry.error());
    if (entry->key != key_) return std::unexpected(std::string("it holds another key's entry"));
    // Each file arrives as a member of its own and becomes a blob of its own.
    entry_ = without_packs(std::move(*entry));
    expecting_ = Expecting::Outputs;
    return {};
  }
  if (!blob_) return {};
  auto committed = blob_->commit();
  blob_.reset();
  if (!committed) return std::unexpected(committed.error().message);
  new_bytes_ += *committed;
  return {};
}

}  // namespace memo::store::artifact
