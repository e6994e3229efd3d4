#include "memo/exec/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <utility>

#include "memo/exec/signals.hpp"
#include "memo/util/fd.hpp"

extern char** environ;

namespace memo::exec {

namespace {

constexpr int kChannelDescriptor = 3;
// Pipe descriptors are moved to 10 and above, so that mapping them onto 1, 2 and 3 in the
// child never overwrites one that is still to be mapped.
constexpr int kLowestPipeDescriptor = 10;
// Without a pidfd (kernels before 5.3), how often memo looks whether the child has exited.
constexpr int kExitCheckMilliseconds = 10;
// A pipe holds 64 KiB; after the child exited, more can only come from something it left
// running, which memo does not wait for.
constexpr int kDrainReads = 16;

std::vector<char*> to_argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  return exit_code_of(status);
}

std::optional<int> exit_code_if_exited(pid_t pid) {
  int status = 0;
  pid_t reaped = ::waitpid(pid, &status, WNOHANG);
  if (reaped == pid) return exit_code_of(status);
  if (reaped < 0 && errno != EINTR) return 127;
  return std::nullopt;
}

struct Pipe {
  util::Fd read_end;
  util::Fd write_end;
};

// A pipe above the standard descriptors whose read end does not block (memo drains it after
// the child exited).
std::expected<Pipe, std::string> make_pipe() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return std::unexpected(std::string(std::strerror(errno)));
  util::Fd low_read_end(ends[0]);
  util::Fd low_write_end(ends[1]);
  Pipe pipe{util::Fd(::fcntl(ends[0], F_DUPFD_CLOEXEC, kLowestPipeDescriptor)),
            util::Fd(::fcntl(ends[1], F_DUPFD_CLOEXEC, kLowestPipeDescriptor))};
  if (!pipe.read_end || !pipe.write_end) return std::unexpected(std::string(std::strerror(errno)));
  ::fcntl(pipe.read_end.get(), F_SETFL, O_NONBLOCK);
  return pipe;
}

// The pipes of one capture: the child writes on each write end, memo reads each read end.
struct CapturePipes {
  std::optional<Pipe> out, err, channel;
};

std::expected<CapturePipes, std::string> make_pipes(const CaptureOptions& options) {
  CapturePipes pipes;
  std::vector<std::optional<Pipe>*> wanted;
  if (!options.output_to_stderr) {
    wanted.push_back(&pipes.out);
    wanted.push_back(&pipes.err);
  }
  if (options.result_channel) wanted.push_back(&pipes.channel);
  for (auto* slot : wanted) {
    auto pipe = make_pipe();
    if (!pipe) return std::unexpected(pipe.error());
    *slot = std::move(*pipe);
  }
  return pipes;
}

std::expected<pid_t, std::string> spawn_captured(const std::vector<std::string>& args,
                                                 const std::filesystem::path& working_directory,
                                                 const CapturePipes& pipes, bool own_group) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (pipes.out) {
    posix_spawn_file_actions_adddup2(&actions, pipes.out->write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, pipes.err->write_end.get(), STDERR_FILENO);
  } else {
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  }
  if (pipes.channel) {
    posix_spawn_file_actions_adddup2(&actions, pipes.channel->write_end.get(), kChannelDescriptor);
  }
  posix_spawn_file_actions_addchdir_np(&actions, working_directory.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (own_group) {
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  }
  auto argv = to_argv(args);
  pid_t pid = 0;
  int spawned = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return std::unexpected(args[0] + ": " + std::strerror(spawned));
  return pid;
}

// One stream memo reads from the child, and what takes each chunk read.
struct Stream {
  util::Fd fd;
  std::function<void(std::string_view)> sink;
};

// Reads one chunk if there is one (its size); closes the stream at its end.
std::size_t read_chunk(Stream& stream) {
  char buffer[65536];
  ssize_t n = ::read(stream.fd.get(), buffer, sizeof buffer);
  if (n > 0) {
    stream.sink({buffer, static_cast<size_t>(n)});
    return static_cast<std::size_t>(n);
  }
  if (n == 0 || (errno != EINTR && errno != EAGAIN)) stream.fd.reset();
  return 0;
}

void drain(std::vector<Stream>& streams) {
  for (auto& stream : streams) {
    for (int i = 0; i < kDrainReads && stream.fd; ++i) {
      if (read_chunk(stream) == 0) break;  // nothing more for now
    }
  }
}

using Clock = std::chrono::steady_clock;

int poll_timeout(std::optional<Clock::time_point> deadline, bool has_exit_fd) {
  int wait = -1;
  if (deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
    wait = static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
  }
  if (!has_exit_fd && (wait < 0 || wait > kExitCheckMilliseconds)) wait = kExitCheckMilliseconds;
  return wait;
}

void read_ready(std::vector<Stream>& streams, const std::vector<pollfd>& polled) {
  for (const auto& entry : polled) {
    if (!(entry.revents & (POLLIN | POLLHUP | POLLERR))) continue;
    for (auto& stream : streams) {
      if (stream.fd && stream.fd.get() == entry.fd) read_chunk(stream);
    }
  }
}

struct Ending {
  int exit_code = 0;
  bool timed_out = false;
};

// Reads the child's streams until it exits, or until the deadline, when its whole process
// group is killed. A pidfd wakes the poll when the child exits, even while something it
// started keeps the streams open.
Ending collect(pid_t pid, std::vector<Stream>& streams, std::optional<Clock::time_point> deadline) {
  // Called through syscall(): glibc 2.36's <sys/pidfd.h> does not declare it extern "C".
  util::Fd exit_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  for (;;) {
    std::vector<pollfd> polled;
    for (const auto& stream : streams) {
      if (stream.fd) polled.push_back({stream.fd.get(), POLLIN, 0});
    }
    if (exit_fd) polled.push_back({exit_fd.get(), POLLIN, 0});
    int wait = poll_timeout(deadline, static_cast<bool>(exit_fd));
    if (::poll(polled.data(), polled.size(), wait) > 0) read_ready(streams, polled);
    if (auto code = exit_code_if_exited(pid)) {
      drain(streams);
      return {*code, false};
    }
    if (deadline && Clock::now() >= *deadline) {
      ::kill(-pid, SIGKILL);
      return {wait_for(pid), true};
    }
  }
}

}  // namespace

std::expected<CapturedOutput, std::string> capture_output(
    const std::vector<std::string>& args, const std::filesystem::path& working_directory,
    const CaptureOptions& options) {
  auto pipes = make_pipes(options);
  if (!pipes) return std::unexpected(pipes.error());
  const auto started = Clock::now();
  auto pid = spawn_captured(args, working_directory, *pipes, options.timeout.has_value());
  if (!pid) return std::unexpected(pid.error());

  CapturedOutput result;
  std::vector<Stream> streams;
  auto take = [&](std::optional<Pipe>& pipe, std::string& sink) {
    if (!pipe) return;
    pipe->write_end.reset();  // only the child writes: the stream ends when the child is done
    streams.push_back(
        {std::move(pipe->read_end), [&sink](std::string_view bytes) { sink.append(bytes); }});
  };
  take(pipes->out, result.stdout_text);
  take(pipes->err, result.stderr_text);
  take(pipes->channel, result.channel_text);
  std::optional<Clock::time_point> deadline;
  std::optional<RegisteredChild> registered;
  if (options.timeout) {
    deadline = started + *options.timeout;
    registered.emplace(*pid,
                       Forwarding::KillGroup);  // its own group: memo's Ctrl-C must stop it too
  }
  Ending ending = collect(*pid, streams, deadline);
  result.exit_code = ending.exit_code;
  result.timed_out = ending.timed_out;
  return result;
}

std::expected<int, std::string> run_shell_command(const std::string& command,
                                                  const std::filesystem::path& working_directory,
                                                  const ShellOptions& options) {
  OutliveSignals outlive;  // memo outlives the command, and reports on it
  std::optional<Pipe> out, err;
  if (options.output) {
    for (auto* pipe : {&out, &err}) {
      auto made = make_pipe();
      if (!made) return std::unexpected("cannot make a pipe: " + made.error());
      *pipe = std::move(*made);
    }
  }
  // The child starts with no signal blocked, whatever the calling thread blocks; exec gives it
  // the default handling of every signal memo catches, and keeps those memo ignores ignored.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.no_stdin) {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (out) {
    posix_spawn_file_actions_adddup2(&actions, out->write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err->write_end.get(), STDERR_FILENO);
  }
  posix_spawn_file_actions_addchdir_np(&actions, working_directory.c_str());

  std::vector<std::string> args{"/bin/sh", "-c", command};
  auto argv = to_argv(args);
  std::vector<char*> given_environment;
  if (options.environment) given_environment = to_argv(*options.environment);
  char** envp = options.environment ? given_environment.data() : environ;
  pid_t pid = 0;
  int spawned = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return std::unexpected(std::string("/bin/sh: ") + std::strerror(spawned));
  RegisteredChild registered(pid, Forwarding::SameGroup);
  // A signal that came between the spawn and the registration.
  if (int signal_number = interrupting_signal()) ::kill(pid, signal_number);
  if (!out) return wait_for(pid);

  std::vector<Stream> streams;
  for (auto [pipe, stream] :
       {std::pair{&out, OutputStream::Stdout}, std::pair{&err, OutputStream::Stderr}}) {
    (*pipe)->write_end.reset();  // only the child writes: the stream ends when it is done
    streams.push_back({std::move((*pipe)->read_end), [&options, stream](std::string_view bytes) {
                         options.output(stream, bytes);
                       }});
  }
  return collect(pid, streams, std::nullopt).exit_code;
}

}  // namespace memo::exec
