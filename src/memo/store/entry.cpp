#include "memo/store/entry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

#include "memo/hash/manifest.hpp"
#include "memo/hash/manifest_diff.hpp"
#include "memo/util/digest.hpp"

namespace memo::store {

namespace {

constexpr std::string_view kMagic = "memo-entry";

template <typename Number>
std::optional<Number> parse_number(std::string_view text, int base = 10) {
  Number value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_milliseconds(std::string_view text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  // nan and inf parse too: a time has to be a finite number.
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value < 0) {
    return std::nullopt;
  }
  return value;
}

std::string octal(unsigned mode) {
  char digits[8];
  std::snprintf(digits, sizeof digits, "%o", mode & 0777);
  return digits;
}

}  // namespace

std::string serialize_entry(const Entry& entry) {
  std::string body;
  hash::append_manifest_line(body, "key", {entry.key});
  hash::append_manifest_line(body, "package", {entry.package});
  hash::append_manifest_line(body, "name", {entry.name});
  hash::append_manifest_line(body, "command", {entry.command});
  hash::append_manifest_line(body, "created", {entry.created});
  char milliseconds[400];  // "%.3f" of the largest double: 309 digits and the decimals
  std::snprintf(milliseconds, sizeof milliseconds, "%.3f", entry.command_ms);
  hash::append_manifest_line(body, "command-ms", {milliseconds});
  if (entry.log) {
    hash::append_manifest_line(body, "log", {std::to_string(entry.log->size), entry.log->digest});
  }
  bool packed = false;
  for (const auto& output : entry.outputs) {
    if (output.type == archive::OutputFile::Type::Symlink) {
      hash::append_manifest_line(body, "l", {output.path, output.link_target});
    } else if (output.pack.empty()) {
      hash::append_manifest_line(
          body, "f", {output.path, octal(output.mode), std::to_string(output.size), output.digest});
    } else {
      packed = true;
      hash::append_manifest_line(body, "p",
                                 {output.path, octal(output.mode), std::to_string(output.size),
                                  output.digest, output.pack, std::to_string(output.pack_offset)});
    }
  }
  // The manifest last and verbatim, after its length: nothing to escape, nothing to parse.
  body += "manifest " + std::to_string(entry.manifest.size()) + "\n";
  body += entry.manifest;
  const int format = packed ? kEntryFormatVersion : kUnpackedEntryFormatVersion;
  return std::string(kMagic) + " " + std::to_string(format) + " " + util::sha256_hex(body) + "\n" +
         body;
}

Entry without_packs(Entry entry) {
  for (auto& output : entry.outputs) {
    output.pack.clear();
    output.pack_offset = 0;
  }
  return entry;
}

namespace {

// The body of an entry whose header names a format this memo reads and the body's checksum.
struct CheckedBody {
  int format = 0;
  std::string_view text;
};

std::expected<CheckedBody, std::string> checked_body(std::string_view text) {
  std::size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return std::unexpected("truncated entry");
  std::string_view header = text.substr(0, newline);
  CheckedBody body{0, text.substr(newline + 1)};
  std::size_t prefix_size = 0;
  for (int format : {kEntryFormatVersion, kUnpackedEntryFormatVersion}) {
    std::string prefix = std::string(kMagic) + " " + std::to_string(format) + " ";
    if (header.starts_with(prefix)) {
      prefix_size = prefix.size();
      body.format = format;
    }
  }
  if (prefix_size == 0) return std::unexpected("not a memo entry of this format");
  if (header.substr(prefix_size) != util::sha256_hex(body.text)) {
    return std::unexpected("entry checksum mismatch (truncated or altered)");
  }
  return body;
}

// An "f", "p" or "l" line, checked as strictly as a restore checks paths.
std::expected<archive::OutputFile, std::string> parse_output(std::vector<std::string> fields) {
  const std::string& kind = fields[0];
  archive::OutputFile file;
  file.path = fields.size() > 1 ? fields[1] : "";
  if (kind == "l" && fields.size() == 3) {
    file.type = archive::OutputFile::Type::Symlink;
    file.link_target = fields[2];
  } else if ((kind == "f" && fields.size() == 5) || (kind == "p" && fields.size() == 7)) {
    auto mode = parse_number<unsigned>(fields[2], 8);
    auto size = parse_number<std::uint64_t>(fields[3]);
    if (!mode || !size) return std::unexpected(file.path + ": malformed file record");
    file.mode = *mode & 0777;
    file.size = *size;
    file.digest = fields[4];
    if (kind == "p") {
      auto offset = parse_number<std::uint64_t>(fields[6]);
      if (!offset) return std::unexpected(file.path + ": malformed file record");
      file.pack = fields[5];
      file.pack_offset = *offset;
      if (file.pack.empty()) return std::unexpected(file.path + ": bad pack digest");
    }
  } else {
    return std::unexpected("malformed output record");
  }
  return archive::check_output_file(std::move(file));
}

// The fields of an entry as they are read, each at most once.
struct EntryFields {
  std::optional<std::string> key, package, name, command, created;
  std::optional<double> command_ms;
  std::optional<OutputLog> log;

  // Takes one field line; false when it is malformed or repeated.
  bool take(std::vector<std::string>& fields) {
    const std::string& kind = fields[0];
    if (kind == "log") {
      if (fields.size() != 3 || log) return false;
      auto size = parse_number<std::uint64_t>(fields[1]);
      if (!size || !util::is_hex_digest(fields[2], 64)) return false;
      log = OutputLog{*size, fields[2]};
      return true;
    }
    if (kind == "command-ms") {
      if (fields.size() != 2 || command_ms) return false;
      command_ms = parse_milliseconds(fields[1]);
      return command_ms.has_value();
    }
    std::optional<std::string>* slot = kind == "key"       ? &key
                                       : kind == "package" ? &package
                                       : kind == "name"    ? &name
                                       : kind == "command" ? &command
                                                           : &created;
    if (fields.size() != 2 || *slot) return false;
    *slot = std::move(fields[1]);
    return true;
  }

  std::expected<Entry, std::string> entry(std::string manifest,
                                          std::vector<archive::OutputFile> outputs) && {
    if (!key || !package || !name || !command || !created || !command_ms) {
      return std::unexpected("malformed entry: a field is missing");
    }
    return Entry{.key = std::move(*key),
                 .package = std::move(*package),
                 .name = std::move(*name),
                 .command = std::move(*command),
                 .manifest = std::move(manifest),
                 .created = std::move(*created),
                 .command_ms = *command_ms,
                 .outputs = std::move(outputs),
                 .log = std::move(log)};
  }
};

constexpr std::string_view kFieldKinds[] = {"key",     "package", "name",      "command",
                                            "created", "log",     "command-ms"};

}  // namespace

std::vector<std::string> blob_digests(const Entry& entry) {
  std::vector<std::string> digests;
  for (const auto& output : entry.outputs) {
    if (output.type != archive::OutputFile::Type::File) continue;
    // A pack is named once, however many of the entry's files it holds.
    if (!output.pack.empty() && !digests.empty() && digests.back() == output.pack) continue;
    digests.push_back(archive::stored_blob(output));
  }
  if (entry.log) digests.push_back(entry.log->digest);
  // The key lines of its dependencies (see hash::expand_manifest), kept for `memo explain`.
  for (std::size_t at = entry.manifest.find("\ndependency "); at != std::string::npos;
       at = entry.manifest.find("\ndependency ", at + 1)) {
    std::size_t end = entry.manifest.find('\n', at + 1);
    auto fields = hash::split_manifest_line(
        std::string_view(entry.manifest)
            .substr(at + 1, end == std::string::npos ? end : end - at - 1));
    if (fields.size() == 4 && util::is_hex_digest(fields[3], 64)) digests.push_back(fields[3]);
  }
  return digests;
}

std::expected<Entry, std::string> parse_entry(std::string_view text) {
  auto checked = checked_body(text);
  if (!checked) return std::unexpected(checked.error());
  std::string_view body = checked->text;
  EntryFields fields;
  std::vector<archive::OutputFile> outputs;
  bool packed = false;
  while (true) {
    std::size_t newline = body.find('\n');
    if (newline == std::string_view::npos) return std::unexpected("malformed entry: no manifest");
    std::string_view line = body.substr(0, newline);
    body.remove_prefix(newline + 1);
    if (line.starts_with("manifest ")) {
      auto size = parse_number<std::size_t>(line.substr(9));
      if (!size || *size != body.size()) return std::unexpected("malformed entry: manifest size");
      // Packs, and only they, make format 3: the header's format is checked too.
      if (packed != (checked->format == kEntryFormatVersion)) {
        return std::unexpected("malformed entry: packed outputs and format disagree");
      }
      return std::move(fields).entry(std::string(body), std::move(outputs));
    }
    auto words = hash::split_manifest_line(line);
    if (words.empty()) return std::unexpected("malformed entry line");
    const std::string kind = words[0];
    if (kind == "f" || kind == "p" || kind == "l") {
      auto output = parse_output(std::move(words));
      if (!output) return std::unexpected(output.error());
      packed |= !output->pack.empty();
      outputs.push_back(std::move(*output));
    } else if (std::find(std::begin(kFieldKinds), std::end(kFieldKinds), kind) !=
               std::end(kFieldKinds)) {
      if (!fields.take(words)) return std::unexpected("malformed entry: " + kind);
    } else if (kind.size() == 1) {
      return std::unexpected("unknown kind of output \"" + kind + "\"");
    }  // else a field of a later memo: skipped
  }
}

}  // namespace memo::store
