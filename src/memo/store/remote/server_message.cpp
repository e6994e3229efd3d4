#include "memo/store/remote/server_message.hpp"

#include "memo/util/json.hpp"
#include "memo/util/printable.hpp"

namespace memo::store::remote {

namespace {

constexpr std::size_t kLongest = 200;

// The member `key` of `object` when it is a string, else null.
const nlohmann::json* string_member(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? &*found : nullptr;
}

}  // namespace

std::string server_says(const HttpResponse& response) {
  auto body = util::parse_json(response.body);
  if (!body || !body->is_object()) return "";
  const nlohmann::json* said = string_member(*body, "message");
  if (!said) said = string_member(*body, "error");
  if (auto error = body->find("error"); !said && error != body->end() && error->is_object()) {
    said = string_member(*error, "message");
  }
  if (!said) return "";
  std::string text = util::printable(said->get<std::string>().substr(0, kLongest));
  return text.empty() ? "" : " (the server says: " + text + ")";
}

}  // namespace memo::store::remote
