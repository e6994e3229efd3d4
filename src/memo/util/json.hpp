#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace memo::util {

// Deeper than this, a JSON document is refused: nlohmann parses any depth, but copying or
// printing a value recurses once per level, and 20,000 nested arrays overflow the stack.
inline constexpr std::size_t kMaxJsonDepth = 64;

// How deep arrays and objects nest in `text` (strings skipped), counted up to `limit` + 1.
std::size_t json_nesting_depth(std::string_view text, std::size_t limit = kMaxJsonDepth);

// Parses `text`; `allow_comments` for files such as rush.json. The error is a short reason
// for the caller to put after the file or variable it names: "not valid JSON (parse error at
// line 1, column 4: …)" or "nested deeper than 64 levels".
std::expected<nlohmann::json, std::string> parse_json(std::string_view text,
                                                      bool allow_comments = false);

// `value` as JSON text, as value.dump(indent) would print it, except that bytes that are not
// UTF-8 (a string from an environment variable, a .env file or the command line may hold
// any) print as U+FFFD instead of throwing.
std::string json_text(const nlohmann::json& value, int indent = -1);

}  // namespace memo::util
