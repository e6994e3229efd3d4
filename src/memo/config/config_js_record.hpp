#pragma once

#include <string_view>

namespace memo::config {

// How deep a config's result may nest (the exported object is level 1). memo's own walks of a
// result are recursive, so a deeper one is refused before it is parsed.
inline constexpr int kMaxConfigDepth = 64;

// Whether JSON text nests arrays and objects deeper than `limit`. It only counts brackets, so
// text of any depth is safe to ask about.
bool nested_deeper_than(std::string_view json_text, int limit);

}  // namespace memo::config
