#pragma once

#include <cstdlib>
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

}  // namespace memo::util
