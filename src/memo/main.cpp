#include "memo/cli/main_command.hpp"
#include "memo/util/stopwatch.hpp"

int main(int argc, char** argv) {
  memo::util::process_stopwatch();  // started here
  return memo::cli::main_command(argc, argv);
}
