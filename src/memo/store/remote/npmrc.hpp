#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memo::store::remote {

// An environment variable's value by name; nothing when it is unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The top-level settings of an .npmrc, read as npm reads them: `key = value` lines (the key
// ends at the first "="), `;` and `#` comments, double-quoted (JSON) or single-quoted values,
// `\;` and `\#` escapes, and ${VAR} placeholders in keys and values expanded from `env` (an
// unset one stays as written; ${VAR?} becomes empty; \${VAR} is kept literally). Keys after a
// [section] line belong to that section and are left out. A later key replaces an earlier one.
std::map<std::string, std::string> parse_npmrc(std::string_view text, const EnvLookup& env);

// "//host[:port]/path/" of a registry URL, the form npm keys its credentials by: the scheme
// dropped, the host lower-cased, a default port (80, 443) left out, the path ending in "/".
std::string npm_credentials_key(const std::string& registry_url);

// What authenticates requests to one registry.
struct NpmCredentials {
  enum class Kind { None, Token, Basic };
  Kind kind = Kind::None;
  std::string token;                 // Token: the _authToken; Basic: base64 of "user:password"
  std::string key;                   // the .npmrc key prefix they were found under ("//host/path/")
  std::vector<std::string> secrets;  // every form of the secret, to keep out of messages

  // "Authorization: Bearer …" or "Authorization: Basic …"; empty for None.
  std::string authorization_header() const;
};

// The credentials npm would send to `registry_url`: the longest prefix of its
// "//host/path/" (walking up one path segment or one "/" at a time, down to "//host") that
// has `:_authToken`, `:_auth`, or `:username` with `:_password` (base64) set; a token wins over
// the others at the same prefix. Unscoped `_authToken` / `_auth` keys are ignored, as npm 9
// and later ignore them.
NpmCredentials npm_credentials_for(const std::map<std::string, std::string>& npmrc,
                                   const std::string& registry_url);

}  // namespace memo::store::remote
