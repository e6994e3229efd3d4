#include "memo/config/env_placeholders.hpp"

#include <algorithm>

namespace memo::config {

namespace {

constexpr char kEscape = '\x01';

// The variable whose value starts at `at` in `text`, the longest if several do.
const EnvValue* value_at(std::string_view text, std::size_t at,
                         const std::vector<const EnvValue*>& longest_first) {
  for (const EnvValue* variable : longest_first) {
    if (text.compare(at, variable->value.size(), variable->value) == 0) return variable;
  }
  return nullptr;
}

}  // namespace

bool can_hide(const EnvValue& variable) {
  return !variable.name.empty() && !variable.value.empty() &&
         variable.name.find_first_of("}\x01") == std::string::npos;
}

std::string hide_env_values(std::string_view text, const std::vector<EnvValue>& values) {
  std::vector<const EnvValue*> longest_first;
  for (const auto& variable : values) longest_first.push_back(&variable);
  std::stable_sort(
      longest_first.begin(), longest_first.end(),
      [](const EnvValue* a, const EnvValue* b) { return a->value.size() > b->value.size(); });
  std::string hidden;
  hidden.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    if (const EnvValue* variable = value_at(text, at, longest_first)) {
      hidden.append(1, kEscape).append("{").append(variable->name).append("}");
      at += variable->value.size();
    } else {
      if (text[at] == kEscape) hidden += kEscape;
      hidden += text[at++];
    }
  }
  return hidden;
}

std::optional<std::string> restore_env_values(std::string_view hidden, const EnvValueOf& value_of) {
  std::string text;
  text.reserve(hidden.size());
  for (std::size_t at = 0; at < hidden.size();) {
    std::size_t escape = hidden.find(kEscape, at);
    text.append(hidden.substr(at, escape == std::string_view::npos ? escape : escape - at));
    if (escape == std::string_view::npos) break;
    if (escape + 1 < hidden.size() && hidden[escape + 1] == kEscape) {
      text += kEscape;
      at = escape + 2;
      continue;
    }
    std::size_t close = hidden.find('}', escape);
    if (escape + 1 >= hidden.size() || hidden[escape + 1] != '{' || close == std::string::npos) {
      return std::nullopt;
    }
    auto value = value_of(std::string(hidden.substr(escape + 2, close - escape - 2)));
    if (!value) return std::nullopt;
    text += *value;
    at = close + 1;
  }
  return text;
}

}  // namespace memo::config
