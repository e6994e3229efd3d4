#pragma once

#include <sys/types.h>

namespace memo::exec {

// The process groups of helpers memo runs apart from the terminal's (backfill.config.js under
// its timeout): the terminal's Ctrl-C does not reach them, so while one is registered, a
// SIGINT, SIGTERM or SIGHUP to memo kills every registered group before memo dies of it.
class ChildGroup {
 public:
  explicit ChildGroup(pid_t group);
  ~ChildGroup();
  ChildGroup(const ChildGroup&) = delete;
  ChildGroup& operator=(const ChildGroup&) = delete;

 private:
  int slot_ = -1;  // -1: no slot left (the group is then only killed by its timeout)
};

}  // namespace memo::exec
