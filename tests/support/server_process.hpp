#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace memo::testing {

// A port on 127.0.0.1 that nothing listens on right now.
int free_port();

// The folder scripts/install-test-servers.sh installs the npm servers into.
std::filesystem::path test_servers_dir();

// A server the test starts and stops: its own process group, output to `log`, stopped (the
// whole group) when the object dies, and killed by the kernel if the test process dies first.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
                const std::map<std::string, std::string>& env = {},
                const std::filesystem::path& cwd = ".");
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Waits until `url` answers with any HTTP status (or `status` when given); false after
  // `timeout` or when the process died (its log then says why).
  bool wait_until_answers(const std::string& url, std::chrono::milliseconds timeout,
                          std::optional<long> status = std::nullopt);
  bool running();
  void stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// The status `url` answers with (0 when nothing answers), from curl(1).
long http_status(const std::string& url);

}  // namespace memo::testing
