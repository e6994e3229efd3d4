#pragma once

#include <string>

namespace memo::cli {

std::string help_text(const std::string& subcommand);

}  // namespace memo::cli
