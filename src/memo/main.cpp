#include "memo/cli/main_command.hpp"

int main(int argc, char** argv) { return memo::cli::main_command(argc, argv); }
