#include "support/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace memo::testing {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a free port");
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::filesystem::path test_servers_dir() {
  if (const char* dir = std::getenv("MEMO_TEST_SERVERS"); dir && *dir) return dir;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/tmp") / ".cache" / "memo-test-servers";
}

ServerProcess::ServerProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
                             const std::map<std::string, std::string>& env,
                             const std::filesystem::path& cwd) {
  std::vector<std::string> env_words;
  for (char** var = environ; *var; ++var) {
    std::string word = *var;
    if (!env.count(word.substr(0, word.find('=')))) env_words.push_back(word);
  }
  for (const auto& [name, value] : env) env_words.push_back(name + "=" + value);
  std::vector<char*> args, envp;
  for (const auto& word : argv) args.push_back(const_cast<char*>(word.c_str()));
  args.push_back(nullptr);
  for (const auto& word : env_words) envp.push_back(const_cast<char*>(word.c_str()));
  envp.push_back(nullptr);
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) throw std::runtime_error("cannot make a pipe");
  const pid_t parent = ::getpid();
  // fork and exec rather than posix_spawn: only a forked child can ask to be killed when the
  // test process dies (a crash or ctest's timeout would otherwise leave the server running).
  // Between the two, only async-signal-safe calls.
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0 || ::dup2(in, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 ||
        ::dup2(out, STDERR_FILENO) < 0 || ::chdir(cwd.c_str()) != 0) {
      int error = errno;
      (void)!::write(error_pipe[1], &error, sizeof error);
      ::_exit(127);
    }
    ::execvpe(args[0], args.data(), envp.data());
    int error = errno;
    (void)!::write(error_pipe[1], &error, sizeof error);
    ::_exit(127);
  }
  ::close(error_pipe[1]);
  int error = 0;
  const bool failed = pid_ < 0 || ::read(error_pipe[0], &error, sizeof error) == sizeof error;
  ::close(error_pipe[0]);
  if (failed) {
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " +
                             std::strerror(error ? error : EAGAIN));
  }
}

ServerProcess::~ServerProcess() {
  stop();
}

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    ::kill(-pid_, SIGKILL);  // what it started goes too
    pid_ = -1;
    return false;
  }
  return true;
}

void ServerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (i == 199) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  ::kill(-pid_, SIGKILL);
  pid_ = -1;
}

long http_status(const std::string& url) {
  std::string command = "curl -s -k -o /dev/null -m 2 -w '%{http_code}' '" + url + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return 0;
  char text[16] = {};
  std::size_t n = std::fread(text, 1, sizeof text - 1, pipe);
  ::pclose(pipe);
  text[n] = '\0';
  return std::strtol(text, nullptr, 10);
}

bool ServerProcess::wait_until_answers(const std::string& url, std::chrono::milliseconds timeout,
                                       std::optional<long> status) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    long got = http_status(url);
    if (got != 0 && (!status || got == *status)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace memo::testing
