#include "memo/store/entry.hpp"

#include <nlohmann/json.hpp>

#include "memo/hash/manifest.hpp"
#include "memo/util/digest.hpp"

namespace memo::store {

namespace {
constexpr std::string_view kMagic = "memo-entry";
}

std::string serialize_entry(const Entry& entry) {
  nlohmann::json body;
  body["key"] = entry.key;
  body["package"] = entry.package;
  body["name"] = entry.name;
  body["command"] = entry.command;
  body["created"] = entry.created;
  body["commandMs"] = entry.command_ms;
  body["outputs"] = nlohmann::json::array();
  for (const auto& output : entry.outputs) body["outputs"].push_back(archive::to_json(output));
  body["manifest"] = entry.manifest;
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return std::string(kMagic) + " " + std::to_string(hash::kEntryFormatVersion) + " " +
         util::sha256_hex(text) + "\n" + text;
}

std::expected<Entry, std::string> parse_entry(std::string_view text) {
  std::size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return std::unexpected("truncated entry");
  std::string_view header = text.substr(0, newline);
  std::string_view body_text = text.substr(newline + 1);
  std::string expected_prefix =
      std::string(kMagic) + " " + std::to_string(hash::kEntryFormatVersion) + " ";
  if (!header.starts_with(expected_prefix)) return std::unexpected("not a memo entry of this format");
  if (header.substr(expected_prefix.size()) != util::sha256_hex(body_text)) {
    return std::unexpected("entry checksum mismatch (truncated or altered)");
  }
  auto body = nlohmann::json::parse(body_text, nullptr, false);
  if (!body.is_object()) return std::unexpected("entry body is not a JSON object");
  Entry entry;
  try {
    entry.key = body.at("key").get<std::string>();
    entry.package = body.at("package").get<std::string>();
    entry.name = body.at("name").get<std::string>();
    entry.command = body.at("command").get<std::string>();
    entry.created = body.at("created").get<std::string>();
    entry.command_ms = body.at("commandMs").get<double>();
    entry.manifest = body.at("manifest").get<std::string>();
    for (const auto& record : body.at("outputs")) {
      auto output = archive::output_file_from_json(record);
      if (!output) return std::unexpected(output.error());
      entry.outputs.push_back(std::move(*output));
    }
  } catch (const nlohmann::json::exception& error) {
    return std::unexpected(std::string("malformed entry: ") + error.what());
  }
  return entry;
}

}  // namespace memo::store
