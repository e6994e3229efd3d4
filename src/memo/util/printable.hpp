#pragma once

#include <string>
#include <string_view>

namespace memo::util {

// `text` with every control character (line breaks, ESC, DEL…) written as an escape ("\n",
// "\x1b"), so a name from an entry or the file system can never break a line memo prints,
// move the cursor or fake another line. Printable bytes, UTF-8 included, are left as they are.
std::string printable(std::string_view text);

}  // namespace memo::util
