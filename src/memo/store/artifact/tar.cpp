#include "memo/store/artifact/tar.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace memo::store::artifact {

namespace {

constexpr std::size_t kBlock = 512;
constexpr std::uint64_t kMaxUstarSize = 077777777777ULL;
constexpr std::size_t kMaxPaxRecords = 64 * 1024;

void put_octal(char* field, std::size_t width, std::uint64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1),
                static_cast<unsigned long long>(value));
}

void put_text(char* field, std::size_t width, std::string_view text) {
  std::memcpy(field, text.data(), std::min(width, text.size()));
}

std::string ustar_block(std::string_view name, char type, unsigned mode, std::uint64_t size,
                        std::string_view link) {
  std::string block(kBlock, '\0');
  char* b = block.data();
  put_text(b, 100, name);
  put_octal(b + 100, 8, mode & 07777);
  put_octal(b + 108, 8, 0);
  put_octal(b + 116, 8, 0);
  put_octal(b + 124, 12, size);
  put_octal(b + 136, 12, 0);
  b[156] = type;
  put_text(b + 157, 100, link);
  std::memcpy(b + 257,
              "ustar\0"
              "00",
              8);
  std::memset(b + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  std::snprintf(b + 148, 8, "%06o", sum);
  return block;
}

// "<length> <key>=<value>\n", the length counting itself.
std::string pax_record(std::string_view key, std::string_view value) {
  std::size_t body = key.size() + value.size() + 3;
  std::size_t length = body + std::to_string(body).size();
  if (std::to_string(length).size() != std::to_string(body).size()) ++length;
  return std::to_string(length) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

std::uint64_t padding_of(std::uint64_t size) {
  return (kBlock - size % kBlock) % kBlock;
}

std::expected<std::uint64_t, std::string> parse_octal(std::string_view field) {
  std::uint64_t value = 0;
  std::size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  bool any = false;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value > (UINT64_MAX >> 3)) return std::unexpected("number too large");
    value = value * 8 + static_cast<std::uint64_t>(field[i] - '0');
    any = true;
  }
  for (; i < field.size(); ++i) {
    if (field[i] != ' ' && field[i] != '\0') return std::unexpected("malformed number");
  }
  if (!any) return std::unexpected("malformed number");
  return value;
}

std::string text_of(std::string_view field) {
  return std::string(field.substr(0, std::min(field.size(), field.find('\0'))));
}

}  // namespace

std::string tar_header(const TarMember& member) {
  const bool symlink = member.type == TarMember::Type::Symlink;
  const std::uint64_t size = symlink ? 0 : member.size;
  std::string records;
  if (member.name.size() > 100) records += pax_record("path", member.name);
  if (member.link_target.size() > 100) records += pax_record("linkpath", member.link_target);
  if (size > kMaxUstarSize) records += pax_record("size", std::to_string(size));
  std::string header;
  if (!records.empty()) {
    header = ustar_block("././@PaxHeader", 'x', 0644, records.size(), "");
    header += records;
    header.append(padding_of(records.size()), '\0');
  }
  header += ustar_block(member.name.substr(0, 100), symlink ? '2' : '0', member.mode,
                        size > kMaxUstarSize ? 0 : size, member.link_target.substr(0, 100));
  return header;
}

std::string_view tar_padding(std::uint64_t size) {
  static const std::string zeros(kBlock, '\0');
  return std::string_view(zeros).substr(0, padding_of(size));
}

std::string_view tar_end() {
  static const std::string zeros(2 * kBlock, '\0');
  return zeros;
}

std::expected<void, std::string> TarReader::add(std::string_view bytes) {
  while (!bytes.empty()) {
    switch (state_) {
      case State::Done:
        // GNU tar pads archives to 10 KiB records with zeros; anything else is foreign.
        if (bytes.find_first_not_of('\0') != std::string_view::npos) {
          return std::unexpected("bytes after the end of the archive");
        }
        return {};
      case State::Header: {
        std::size_t take = std::min(bytes.size(), kBlock - block_.size());
        block_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (block_.size() == kBlock) {
          if (auto done = on_header(); !done) return done;
        }
        break;
      }
      case State::PaxRecords: {
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), left_));
        pax_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        left_ -= take;
        if (left_ == 0) {
          if (auto done = on_pax_records(); !done) return done;
        }
        break;
      }
      case State::Content: {
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), left_));
        if (auto taken = handler_.content(bytes.substr(0, take)); !taken) return taken;
        bytes.remove_prefix(take);
        left_ -= take;
        if (left_ == 0) {
          if (auto ended = handler_.end(); !ended) return ended;
          state_ = padding_ > 0 ? State::Padding : State::Header;
        }
        break;
      }
      case State::Padding: {
        std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), padding_));
        bytes.remove_prefix(take);
        padding_ -= take;
        if (padding_ == 0) state_ = State::Header;
        break;
      }
    }
  }
  return {};
}

std::expected<void, std::string> TarReader::on_header() {
  std::string block = std::move(block_);
  block_.clear();
  if (block.find_first_not_of('\0') == std::string::npos) {
    if (!pax_path_.empty() || !pax_size_.empty())
      return std::unexpected("pax header before the end");
    if (++zero_blocks_ == 2) state_ = State::Done;
    return {};
  }
  if (zero_blocks_ > 0) return std::unexpected("a member after an end block");
  auto stored_sum = parse_octal(std::string_view(block).substr(148, 8));
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  if (!stored_sum || *stored_sum != sum) return std::unexpected("a tar header fails its checksum");
  const char type = block[156];
  auto size = parse_octal(std::string_view(block).substr(124, 12));
  auto mode = parse_octal(std::string_view(block).substr(100, 8));
  if (!size || !mode) return std::unexpected("a tar header is malformed");
  if (type == 'x') {
    if (*size > kMaxPaxRecords) return std::unexpected("a pax header is too long");
    left_ = *size;
    padding_ = padding_of(*size);
    pax_.clear();
    state_ = left_ == 0 ? State::Header : State::PaxRecords;
    return {};
  }
  TarMember member;
  std::string prefix = text_of(std::string_view(block).substr(345, 155));
  std::string name = text_of(std::string_view(block).substr(0, 100));
  member.name = !pax_path_.empty() ? pax_path_ : prefix.empty() ? name : prefix + "/" + name;
  member.link_target =
      !pax_link_.empty() ? pax_link_ : text_of(std::string_view(block).substr(157, 100));
  member.mode = static_cast<unsigned>(*mode & 07777);
  member.size = *size;
  if (!pax_size_.empty()) {
    member.size = 0;
    for (char c : pax_size_) {
      if (c < '0' || c > '9' || member.size > UINT64_MAX / 10)
        return std::unexpected("bad pax size");
      member.size = member.size * 10 + static_cast<std::uint64_t>(c - '0');
    }
  }
  pax_path_.clear();
  pax_link_.clear();
  pax_size_.clear();
  if (type == '0' || type == '\0') {
    member.type = TarMember::Type::File;
  } else if (type == '2') {
    member.type = TarMember::Type::Symlink;
    member.size = 0;
  } else {
    return std::unexpected("member " + member.name + " is neither a file nor a symlink (type '" +
                           std::string(1, type) + "')");
  }
  if (auto begun = handler_.begin(member); !begun) return begun;
  left_ = member.size;
  padding_ = padding_of(member.size);
  if (left_ == 0) {
    if (auto ended = handler_.end(); !ended) return ended;
    state_ = State::Header;
  } else {
    state_ = State::Content;
  }
  return {};
}

std::expected<void, std::string> TarReader::on_pax_records() {
  std::string_view records = pax_;
  while (!records.empty()) {
    std::size_t space = records.find(' ');
    if (space == std::string_view::npos) return std::unexpected("a pax record is malformed");
    std::size_t length = 0;
    for (char c : records.substr(0, space)) {
      if (c < '0' || c > '9') return std::unexpected("a pax record is malformed");
      length = length * 10 + static_cast<std::size_t>(c - '0');
      if (length > records.size()) return std::unexpected("a pax record is malformed");
    }
    if (length <= space + 1 || records[length - 1] != '\n') {
      return std::unexpected("a pax record is malformed");
    }
    std::string_view record = records.substr(space + 1, length - space - 2);
    records.remove_prefix(length);
    std::size_t equals = record.find('=');
    if (equals == std::string_view::npos) return std::unexpected("a pax record is malformed");
    std::string_view key = record.substr(0, equals), value = record.substr(equals + 1);
    if (key == "path") pax_path_ = value;
    if (key == "linkpath") pax_link_ = value;
    if (key == "size") pax_size_ = value;
  }
  pax_.clear();
  state_ = padding_ > 0 ? State::Padding : State::Header;
  return {};
}

}  // namespace memo::store::artifact
