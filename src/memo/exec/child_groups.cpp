#include "memo/exec/child_groups.hpp"

#include <signal.h>

#include <atomic>
#include <mutex>

namespace memo::exec {

namespace {

constexpr int kSlots = 64;
std::atomic<pid_t> groups[kSlots];  // 0: free

// Async-signal-safe: kill(), signal() and raise() only.
void kill_groups_and_die(int signal_number) {
  for (auto& group : groups) {
    pid_t pid = group.load();
    if (pid > 0) ::kill(-pid, SIGKILL);
  }
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

void install_handlers() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction current {};
      ::sigaction(signal_number, nullptr, &current);
      if (current.sa_handler == SIG_IGN) continue;  // memo was told to ignore it: so be it
      struct sigaction action {};
      action.sa_handler = kill_groups_and_die;
      sigemptyset(&action.sa_mask);
      ::sigaction(signal_number, &action, nullptr);
    }
  });
}

}  // namespace

ChildGroup::ChildGroup(pid_t group) {
  install_handlers();
  for (int i = 0; i < kSlots; ++i) {
    pid_t free = 0;
    if (groups[i].compare_exchange_strong(free, group)) {
      slot_ = i;
      return;
    }
  }
}

ChildGroup::~ChildGroup() {
  if (slot_ >= 0) groups[slot_].store(0);
}

}  // namespace memo::exec
