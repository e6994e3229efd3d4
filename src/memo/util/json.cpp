#include "memo/util/json.hpp"

namespace memo::util {

std::size_t json_nesting_depth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::expected<nlohmann::json, std::string> parse_json(std::string_view text, bool allow_comments) {
  if (json_nesting_depth(text) > kMaxJsonDepth) {
    return std::unexpected("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    return nlohmann::json::parse(text, nullptr, true, allow_comments);
  } catch (const nlohmann::json::parse_error& error) {
    // nlohmann's message reads "[json.exception.parse_error.101] parse error at line 1, …".
    std::string detail = error.what();
    std::size_t at = detail.find(" at line ");
    return std::unexpected("not valid JSON" +
                           (at == std::string::npos ? "" : " (" + detail.substr(at + 1) + ")"));
  } catch (const nlohmann::json::exception& error) {
    // A number too big for a double ("1e999") is out_of_range.406, not a parse_error.
    std::string detail = error.what();
    std::size_t at = detail.find("] ");
    return std::unexpected("not valid JSON" +
                           (at == std::string::npos ? "" : " (" + detail.substr(at + 2) + ")"));
  }
}

std::string json_text(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace memo::util
