#include "memo/config/config.hpp"

#include <algorithm>
#include <cctype>

#include "memo/util/ascii.hpp"

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
    case Mode::ReadWrite:
      return "READ_WRITE";
    case Mode::ReadOnly:
      return "READ_ONLY";
    case Mode::WriteOnly:
      return "WRITE_ONLY";
    case Mode::Pass:
      return "PASS";
  }
  return "READ_WRITE";
}

std::optional<RestoreMode> parse_restore_mode(std::string_view text) {
  if (text == "copy") return RestoreMode::Copy;
  if (text == "clone") return RestoreMode::Clone;
  if (text == "hardlink") return RestoreMode::Hardlink;
  return std::nullopt;
}

std::string_view restore_mode_name(RestoreMode mode) {
  switch (mode) {
    case RestoreMode::Copy:
      return "copy";
    case RestoreMode::Clone:
      return "clone";
    case RestoreMode::Hardlink:
      return "hardlink";
  }
  return "copy";
}

std::string Origin::describe() const {
  switch (kind) {
    case Kind::Default:
      return "default";
    case Kind::File:
      return file;
    case Kind::DotEnv:
      return file + " " + name;
    case Kind::Environment:
      return "env " + name;
    case Kind::Flag:
      return "flag " + name;
  }
  return name;
}

std::string Origin::culprit(std::string_view key) const {
  switch (kind) {
    case Kind::Default:
      return "default " + std::string(key);
    case Kind::File:
      return file + ": \"" + std::string(key) + "\"";
    case Kind::DotEnv:
      return file + ": " + name;
    case Kind::Environment:
    case Kind::Flag:
      return name;
  }
  return name;
}

namespace {

// A name whose value is a secret: a password, a token, a signature, a key.
bool looks_secret(std::string_view name) {
  const std::string key = util::ascii_lowercase(name);
  for (std::string_view word :
       {"secret", "token", "password", "passwd", "credential", "connectionstring", "signature",
        "accesskey", "accountkey", "apikey", "privatekey", "sharedaccess", "auth"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  for (std::string_view exact : {"sas", "sig", "pass", "pwd"}) {
    if (key == exact) return true;
  }
  return key.ends_with("key");
}

constexpr std::string_view kRedacted = "<redacted>";

// "scheme://user:password@host" keeps the user, not the password; every URL of the text
// ("https://mirror-a https://user:token@mirror-b"), not only the first.
void redact_url_password(std::string& value) {
  for (std::size_t scheme = value.find("://"); scheme != std::string::npos;
       scheme = value.find("://", scheme + 3)) {
    std::size_t start = scheme + 3;
    std::size_t end = value.find_first_of("/?# \t\r\n", start);
    if (end == std::string::npos) end = value.size();
    std::size_t at = value.rfind('@', end);
    if (at == std::string::npos || at < start) continue;
    std::size_t colon = value.find(':', start);
    if (colon == std::string::npos || colon > at) continue;
    value.replace(colon + 1, at - colon - 1, kRedacted);
  }
}

// Every "name=value" whose name looks secret, in query strings ("?sv=1&sig=…") and in
// connection strings ("AccountName=a;AccountKey=…;"), keeps its name, not its value. A
// connection string's value runs to the next ';' (a SharedAccessSignature holds '&'s).
void redact_secret_pairs(std::string& value) {
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  };
  for (std::size_t equals = value.find('='); equals != std::string::npos;
       equals = value.find('=', equals + 1)) {
    std::size_t start = equals;
    while (start > 0 && is_name_char(value[start - 1])) --start;
    if (start == equals || !looks_secret(std::string_view(value).substr(start, equals - start))) {
      continue;
    }
    const char before = start == 0 ? ';' : value[start - 1];
    if (std::string_view("?&;# ").find(before) == std::string_view::npos) continue;
    const std::string_view stops = before == '?' || before == '&' ? "&#; " : ";";
    std::size_t end = value.find_first_of(stops, equals + 1);
    if (end == std::string::npos) end = value.size();
    value.replace(equals + 1, end - equals - 1, kRedacted);
    equals += kRedacted.size();
  }
}

}  // namespace

std::string redact_secret_parts(std::string_view text) {
  std::string value(text);
  redact_url_password(value);
  redact_secret_pairs(value);
  return value;
}

nlohmann::json redact_secrets(const nlohmann::json& options) {
  if (options.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : options.items()) {
      out[key] = looks_secret(key) && !value.is_object() ? nlohmann::json(kRedacted)
                                                         : redact_secrets(value);
    }
    return out;
  }
  if (options.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& value : options) out.push_back(redact_secrets(value));
    return out;
  }
  if (options.is_string()) return redact_secret_parts(options.get<std::string>());
  return options;
}

}  // namespace memo::config
