#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace memo::store::artifact {

// The members memo writes and reads: POSIX ustar, with a pax header for what ustar cannot hold
// (names over 100 bytes, sizes of 8 GiB and more). `tar -t` lists an artifact.
struct TarMember {
  enum class Type { File, Symlink };
  std::string name;
  Type type = Type::File;
  unsigned mode = 0644;
  std::uint64_t size = 0;  // of a file
  std::string link_target;
};

// A member's header blocks (a pax header first when one is needed).
std::string tar_header(const TarMember& member);
// The zero bytes that pad a member's content of `size` to a whole block.
std::string_view tar_padding(std::uint64_t size);
// The two zero blocks that end an archive.
std::string_view tar_end();

// Reads an archive handed to it piece by piece, calling the handler for each member. Anything
// but regular files and symlinks (devices, FIFOs, hard links, folders' own entries excepted) is
// refused, and so is a header whose checksum fails.
class TarHandler {
 public:
  virtual ~TarHandler() = default;
  virtual std::expected<void, std::string> begin(const TarMember& member) = 0;
  virtual std::expected<void, std::string> content(std::string_view bytes) = 0;
  virtual std::expected<void, std::string> end() = 0;
};

class TarReader {
 public:
  explicit TarReader(TarHandler& handler) : handler_(handler) {}
  std::expected<void, std::string> add(std::string_view bytes);
  // Whether the archive's end blocks came.
  bool finished() const { return state_ == State::Done; }

 private:
  enum class State { Header, Content, Padding, PaxRecords, Done };
  std::expected<void, std::string> on_header();
  std::expected<void, std::string> on_pax_records();

  TarHandler& handler_;
  State state_ = State::Header;
  std::string block_;  // a header block being gathered
  std::string pax_;    // pax records being gathered
  std::uint64_t left_ = 0;
  std::uint64_t padding_ = 0;
  int zero_blocks_ = 0;
  std::string pax_path_, pax_link_;
  std::string pax_size_;
};

}  // namespace memo::store::artifact
