#include "memo/exec/signals.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>

namespace memo::exec {

namespace {

constexpr int kSlots = 256;
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// A slot holds a pid and its Forwarding in one word, so the handler reads both at once;
// 0 is a free slot.
std::atomic<std::int64_t> children[kSlots];
std::atomic<int> outliving{0};
std::atomic<int> first_signal{0};

std::int64_t pack(pid_t pid, Forwarding forwarding) {
  return (static_cast<std::int64_t>(forwarding) << 32) | static_cast<std::uint32_t>(pid);
}

// Async-signal-safe: atomics, kill(), signal() and raise() only.
void forward(int signal_number, bool sent_by_a_process) {
  for (auto& child : children) {
    const std::int64_t packed = child.load();
    if (packed == 0) continue;
    const auto pid = static_cast<pid_t>(packed & 0xffffffff);
    switch (static_cast<Forwarding>(packed >> 32)) {
      case Forwarding::SameGroup:
        if (sent_by_a_process) ::kill(pid, signal_number);
        break;
      case Forwarding::OwnGroup:
        ::kill(-pid, signal_number);
        break;
      case Forwarding::KillGroup:
        ::kill(-pid, SIGKILL);
        break;
    }
  }
}

void on_signal(int signal_number, siginfo_t* info, void*) {
  int none = 0;
  first_signal.compare_exchange_strong(none, signal_number);
  // A terminal's signals come from the kernel (si_code > 0); kill(2) and its kin give <= 0.
  forward(signal_number, info != nullptr && info->si_code <= 0);
  if (outliving.load() == 0) {
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);  // delivered once this handler returns
  }
}

void install_handlers() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    for (int signal_number : kSignals) {
      struct sigaction current {};
      ::sigaction(signal_number, nullptr, &current);
      if (current.sa_handler == SIG_IGN) continue;  // memo was told to ignore it: so be it
      struct sigaction action {};
      action.sa_sigaction = on_signal;
      action.sa_flags = SA_SIGINFO | SA_RESTART;
      sigemptyset(&action.sa_mask);
      for (int other : kSignals) sigaddset(&action.sa_mask, other);
      ::sigaction(signal_number, &action, nullptr);
    }
  });
}

}  // namespace

RegisteredChild::RegisteredChild(pid_t pid, Forwarding forwarding) {
  install_handlers();
  for (int i = 0; i < kSlots; ++i) {
    std::int64_t free = 0;
    if (children[i].compare_exchange_strong(free, pack(pid, forwarding))) {
      slot_ = i;
      return;
    }
  }
}

RegisteredChild::~RegisteredChild() {
  if (slot_ >= 0) children[slot_].store(0);
}

OutliveSignals::OutliveSignals() {
  install_handlers();
  ++outliving;
}

OutliveSignals::~OutliveSignals() {
  --outliving;
}

int interrupting_signal() {
  return first_signal.load();
}

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGQUIT:
      return "SIGQUIT";
    default:
      return "a signal";
  }
}

void end_as_interrupted(int signal_number) {
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  ::sigaction(signal_number, &fallback, nullptr);
  // SIGQUIT's default would dump a core memo has no use for.
  if (signal_number != SIGQUIT) ::raise(signal_number);
  std::_Exit(128 + signal_number);
}

}  // namespace memo::exec
