#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memo::config {

// Keeps the values of environment variables out of a file that is written to disk, in a way
// that can be undone exactly: each occurrence of a value becomes a placeholder naming its
// variable, "\x01{NAME}", and a literal "\x01" becomes "\x01\x01". Where values overlap, the
// longest one starting first wins; any text comes back byte for byte, whatever the values are
// (short, nested, repeated, or holding "\x01" themselves).
struct EnvValue {
  std::string name;
  std::string value;
};

// Whether a variable can be hidden this way: a name without "}" or "\x01" and a non-empty value.
bool can_hide(const EnvValue& variable);

// `values` must all satisfy can_hide.
std::string hide_env_values(std::string_view text, const std::vector<EnvValue>& values);

// The text hide_env_values was given, each placeholder replaced by value_of(NAME); nullopt when
// a placeholder is malformed or names a variable value_of does not know.
using EnvValueOf = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> restore_env_values(std::string_view hidden, const EnvValueOf& value_of);

}  // namespace memo::config
