#pragma once

#include <map>
#include <string>
#include <string_view>

namespace memo::config {

// Parses a .env file the way dotenv does: KEY=VALUE lines, an optional "export " prefix,
// '#' comments, single quotes (literal), double quotes (\n and \" escapes) and unquoted values
// with trailing comments and spaces trimmed. Lines that are not assignments are skipped.
std::map<std::string, std::string> parse_dotenv(std::string_view text);

}  // namespace memo::config
