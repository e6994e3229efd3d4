#include <iostream>

#include "memo/cli/main_command.hpp"
#include "memo/exec/signals.hpp"
#include "memo/util/stopwatch.hpp"

int main(int argc, char** argv) {
  memo::util::process_stopwatch();  // started here
  const int exit_code = memo::cli::main_command(argc, argv);
  // A command interrupted by a signal: memo ends as the signal would have ended it.
  if (int signal_number = memo::exec::interrupting_signal()) {
    std::cout.flush();
    memo::exec::end_as_interrupted(signal_number);
  }
  return exit_code;
}
