#pragma once

#include <sys/types.h>

namespace memo::exec {

// What memo does with the children it waits for when it gets SIGINT, SIGTERM, SIGHUP or
// SIGQUIT. memo's handlers are installed once, for the whole process, the first time a child
// is registered: nothing saves and restores a disposition around a child, so any number of
// children can run at once, on any thread.

// How a signal memo gets reaches a registered child.
enum class Forwarding {
  // The child shares memo's process group (and its terminal): a terminal's Ctrl-C reaches it
  // already, so only a signal sent to memo by another process (`kill <memo>`) is passed on,
  // to the child alone.
  SameGroup,
  // The child leads a process group of its own: the signal goes to that whole group.
  OwnGroup,
  // A helper in a group of its own that memo gives up on: its whole group gets SIGKILL.
  KillGroup,
};

// Registers a child for its lifetime. Past 256 children at once, a child goes unregistered
// (and only its own end, or its timeout, stops it).
class RegisteredChild {
 public:
  RegisteredChild(pid_t pid, Forwarding forwarding);
  ~RegisteredChild();
  RegisteredChild(const RegisteredChild&) = delete;
  RegisteredChild& operator=(const RegisteredChild&) = delete;

 private:
  int slot_ = -1;
};

// While one lives, such a signal does not end memo: it is passed on to the registered children
// and remembered (interrupting_signal), and the code that holds the scope winds down: it waits
// for its child, stores nothing, and ends memo with end_as_interrupted. Without one, memo
// dies of the signal once the registered children have it.
class OutliveSignals {
 public:
  OutliveSignals();
  ~OutliveSignals();
  OutliveSignals(const OutliveSignals&) = delete;
  OutliveSignals& operator=(const OutliveSignals&) = delete;
};

// The first such signal memo got, or 0.
int interrupting_signal();

// "SIGINT" for SIGINT, for messages.
const char* signal_name(int signal_number);

// Ends memo as the signal would have: its parent sees it killed by that signal, which is what
// makes a shell script stop after a Ctrl-C.
[[noreturn]] void end_as_interrupted(int signal_number);

}  // namespace memo::exec
