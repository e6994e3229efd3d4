#include "memo/config/config.hpp"

#include <algorithm>
#include <cctype>

namespace memo::config {

std::optional<Mode> parse_mode(std::string_view text) {
  if (text == "READ_WRITE") return Mode::ReadWrite;
  if (text == "READ_ONLY") return Mode::ReadOnly;
  if (text == "WRITE_ONLY") return Mode::WriteOnly;
  if (text == "PASS") return Mode::Pass;
  return std::nullopt;
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::ReadWrite: return "READ_WRITE";
    case Mode::ReadOnly: return "READ_ONLY";
    case Mode::WriteOnly: return "WRITE_ONLY";
    case Mode::Pass: return "PASS";
  }
  return "READ_WRITE";
}

std::string Origin::describe() const {
  switch (kind) {
    case Kind::Default: return "default";
    case Kind::File: return file;
    case Kind::DotEnv: return file + " " + name;
    case Kind::Environment: return "env " + name;
    case Kind::Flag: return "flag " + name;
  }
  return name;
}

std::string Origin::culprit(std::string_view key) const {
  switch (kind) {
    case Kind::Default: return "default " + std::string(key);
    case Kind::File: return file + ": \"" + std::string(key) + "\"";
    case Kind::DotEnv: return file + ": " + name;
    case Kind::Environment:
    case Kind::Flag: return name;
  }
  return name;
}

namespace {

bool looks_secret(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view word : {"connectionstring", "key", "secret", "token", "password", "sas",
                                "credential", "auth"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

nlohmann::json redact_secrets(const nlohmann::json& options) {
  if (options.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : options.items()) {
      out[key] = looks_secret(key) && !value.is_object() ? nlohmann::json("<redacted>")
                                                         : redact_secrets(value);
    }
    return out;
  }
  if (options.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& value : options) out.push_back(redact_secrets(value));
    return out;
  }
  return options;
}

}  // namespace memo::config
