#include "memo/store/remote/npmrc.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

#include "memo/util/ascii.hpp"
#include "memo/util/base64.hpp"

namespace memo::store::remote {

namespace {

constexpr std::string_view kSpace = " \t\f\v";

std::string_view ini_trimmed(std::string_view text) {
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

bool is_quoted(std::string_view text) {
  return (text.starts_with('"') && text.ends_with('"')) ||
         (text.starts_with('\'') && text.ends_with('\''));
}

// A quoted value is JSON (single quotes are taken off first); if it does not parse, it stays as
// it was written.
std::string unquoted(std::string_view text) {
  std::string json(text.starts_with('\'') ? text.substr(1, text.size() >= 2 ? text.size() - 2 : 0)
                                          : text);
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_string()) return parsed.get<std::string>();
  return json;
}

// A key or value as the ini format reads it: trimmed, quotes undone, and otherwise cut at the
// first ";" or "#" that is not escaped.
std::string ini_text(std::string_view raw) {
  std::string_view text = ini_trimmed(raw);
  if (is_quoted(text)) return unquoted(text);
  std::string plain;
  bool escaped = false;
  for (char c : text) {
    if (escaped) {
      if (c != '\\' && c != ';' && c != '#') plain += '\\';
      plain += c;
      escaped = false;
    } else if (c == ';' || c == '#') {
      break;
    } else if (c == '\\') {
      escaped = true;
    } else {
      plain += c;
    }
  }
  if (escaped) plain += '\\';
  return std::string(ini_trimmed(plain));
}

// A ${NAME} or ${NAME?} placeholder at `at` (which holds "${"): its name, whether it had "?",
// and where it ends; nothing when the text there is not one.
struct Placeholder {
  std::string name;
  bool optional = false;
  std::size_t end = 0;
};
std::optional<Placeholder> placeholder_at(std::string_view text, std::size_t at) {
  std::size_t i = at + 2;
  while (i < text.size() && std::string_view("${}?").find(text[i]) == std::string_view::npos) ++i;
  if (i == at + 2) return std::nullopt;
  Placeholder found{std::string(text.substr(at + 2, i - at - 2))};
  if (i < text.size() && text[i] == '?') {
    found.optional = true;
    ++i;
  }
  if (i >= text.size() || text[i] != '}') return std::nullopt;
  found.end = i + 1;
  return found;
}

std::string expand_env(std::string_view text, const EnvLookup& env) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    auto found = text.substr(i).starts_with("${") ? placeholder_at(text, i) : std::nullopt;
    if (!found) {
      out += text[i++];
      continue;
    }
    std::size_t backslashes = 0;
    while (backslashes < out.size() && out[out.size() - 1 - backslashes] == '\\') ++backslashes;
    out.resize(out.size() - backslashes);
    out.append(backslashes / 2, '\\');
    std::string_view written = text.substr(i, found->end - i);
    if (backslashes % 2 == 1) {
      out += written;  // escaped: kept as written
    } else if (auto value = env(found->name)) {
      out += *value;
    } else if (!found->optional) {
      out += "${" + found->name + "}";
    }
    i = found->end;
  }
  return out;
}

std::string value_of(const std::map<std::string, std::string>& npmrc, const std::string& key) {
  auto found = npmrc.find(key);
  return found == npmrc.end() ? "" : found->second;
}

// One step up, as npm walks: "//h/a/b/" → "//h/a/b" → "//h/a/" → … → "//h" → "//".
std::string one_up(std::string key) {
  if (key.ends_with('/')) {
    key.pop_back();
  } else {
    key.erase(key.find_last_of('/') + 1);
  }
  return key;
}

std::optional<NpmCredentials> credentials_at(const std::map<std::string, std::string>& npmrc,
                                             const std::string& key) {
  NpmCredentials credentials;
  credentials.key = key;
  if (auto token = value_of(npmrc, key + ":_authToken"); !token.empty()) {
    credentials.kind = NpmCredentials::Kind::Token;
    credentials.token = token;
    credentials.secrets = {token};
    return credentials;
  }
  if (auto auth = value_of(npmrc, key + ":_auth"); !auth.empty()) {
    credentials.kind = NpmCredentials::Kind::Basic;
    credentials.token = auth;
    credentials.secrets = {auth};
    if (auto pair = util::base64_decode(auth)) {
      credentials.secrets.push_back(*pair);
      if (auto colon = pair->find(':'); colon != std::string::npos) {
        credentials.secrets.push_back(pair->substr(colon + 1));
      }
    }
    return credentials;
  }
  auto username = value_of(npmrc, key + ":username");
  auto encoded = value_of(npmrc, key + ":_password");
  if (username.empty() || encoded.empty()) return std::nullopt;
  std::string password = util::base64_decode(encoded).value_or(encoded);
  credentials.kind = NpmCredentials::Kind::Basic;
  credentials.token = util::base64_encode(username + ":" + password);
  credentials.secrets = {credentials.token, encoded, password};
  return credentials;
}

}  // namespace

std::map<std::string, std::string> parse_npmrc(std::string_view text, const EnvLookup& env) {
  std::map<std::string, std::string> values;
  bool in_section = false;
  while (!text.empty()) {
    auto end = text.find_first_of("\r\n");
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    std::string_view content = ini_trimmed(line);
    if (content.empty() || content.front() == ';' || content.front() == '#') continue;
    if (auto close = line.find(']'); line.starts_with('[') && close != std::string_view::npos &&
                                     ini_trimmed(line.substr(close + 1)).empty()) {
      in_section = true;  // npm reads no credentials from sections
      continue;
    }
    auto equals = line.find('=');
    if (equals == 0) continue;
    std::string key = ini_text(line.substr(0, equals));
    std::string value =
        equals == std::string_view::npos ? "true" : ini_text(line.substr(equals + 1));
    if (in_section || key.empty() || key.ends_with("[]")) continue;
    values[expand_env(key, env)] = expand_env(value, env);
  }
  return values;
}

std::string npm_credentials_key(const std::string& registry_url) {
  std::string_view url = registry_url;
  std::string scheme;
  if (auto sep = url.find("://"); sep != std::string_view::npos) {
    scheme = util::ascii_lowercase(std::string(url.substr(0, sep)));
    url.remove_prefix(sep + 3);
  }
  url = url.substr(0, url.find_first_of("?#"));
  auto slash = url.find('/');
  std::string authority = util::ascii_lowercase(std::string(url.substr(0, slash)));
  std::string path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (!path.ends_with('/')) path += '/';
  if ((scheme == "http" && authority.ends_with(":80")) ||
      (scheme == "https" && authority.ends_with(":443"))) {
    authority.erase(authority.rfind(':'));
  }
  return "//" + authority + path;
}

NpmCredentials npm_credentials_for(const std::map<std::string, std::string>& npmrc,
                                   const std::string& registry_url) {
  for (std::string key = npm_credentials_key(registry_url); key.size() > 2; key = one_up(key)) {
    if (auto found = credentials_at(npmrc, key)) return *found;
  }
  return {};
}

std::string NpmCredentials::authorization_header() const {
  switch (kind) {
    case Kind::Token:
      return "Authorization: Bearer " + token;
    case Kind::Basic:
      return "Authorization: Basic " + token;
    case Kind::None:
      break;
  }
  return "";
}

}  // namespace memo::store::remote
