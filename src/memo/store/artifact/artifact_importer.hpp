#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "memo/store/artifact/compression.hpp"
#include "memo/store/artifact/tar.hpp"
#include "memo/store/entry.hpp"
#include "memo/store/local_store.hpp"
#include "memo/store/remote/backend.hpp"

namespace memo::store::artifact {

// Takes a downloaded artifact as it arrives and puts it into the local store in the same pass:
// decompressed, unpacked, each file's bytes hashed into an incoming blob that is renamed into
// place only when its digest is the entry's. Nothing is held whole in memory and nothing goes
// to a temp file of the artifact. The entry record goes into the store last, once every blob
// it names is there; anything wrong (a bad frame, a truncated body, a digest, a member the
// entry does not name, in another order or of another kind) refuses the artifact.
class ArtifactImporter : public remote::ArtifactSink, private TarHandler {
 public:
  ArtifactImporter(LocalStore& store, std::string key, remote::ArtifactLayout layout,
                   std::optional<std::uint64_t> max_size);

  bool expect(std::optional<std::uint64_t> size) override;
  bool write(std::string_view bytes) override;

  // After the download: the entry, now in the local store, or why the artifact was refused.
  std::expected<Entry, std::string> finish();
  // Why the sink stopped the download, when it did.
  const std::optional<std::string>& refusal() const { return error_; }
  bool too_large() const { return too_large_; }
  std::uint64_t received() const { return received_; }
  std::uint64_t new_bytes() const { return new_bytes_; }

 private:
  std::expected<void, std::string> begin(const TarMember& member) override;
  std::expected<void, std::string> content(std::string_view bytes) override;
  std::expected<void, std::string> end() override;
  std::expected<void, std::string> begin_output(const TarMember& member);
  std::expected<void, std::string> begin_log(const TarMember& member);
  bool fail(std::string why);

  enum class Expecting { PackageJson, EntryRecord, Outputs };
  LocalStore& store_;
  std::string key_;
  remote::ArtifactLayout layout_;
  std::optional<std::uint64_t> max_size_;
  std::unique_ptr<Decompressor> decompressor_;
  TarReader tar_;
  Expecting expecting_;
  bool skipping_ = false;  // the member is npm's package.json: read past it
  std::string record_;     // the entry record's text as it arrives
  bool in_record_ = false;
  std::optional<Entry> entry_;
  std::size_t next_output_ = 0;
  std::optional<archive::OutputFile> log_;  // once its member began
  std::optional<LocalStore::IncomingBlob> blob_;
  std::optional<std::string> error_;
  bool too_large_ = false;
  std::uint64_t received_ = 0;
  std::uint64_t new_bytes_ = 0;
};

}  // namespace memo::store::artifact
