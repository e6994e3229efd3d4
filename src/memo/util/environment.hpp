#pragma once

#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>

namespace memo::util {

// The value of an environment variable of this process; nothing when it is unset.
inline std::optional<std::string> env_value(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return std::nullopt;
  return std::string(value);
}
inline std::optional<std::string> env_value(const std::string& name) {
  return env_value(name.c_str());
}

// The value of an environment variable when it is set and not empty.
inline std::optional<std::string> nonempty_env_value(const char* name) {
  auto value = env_value(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

// The first of these environment variables that is set and not empty.
inline std::optional<std::string> first_nonempty_env_value(
    std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto value = nonempty_env_value(name)) return value;
  }
  return std::nullopt;
}

}  // namespace memo::util
