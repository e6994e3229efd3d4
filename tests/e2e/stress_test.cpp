// Stress: memo killed with SIGKILL at random points of stores and restores, and many memo
// processes sharing one store at once. Slow (a minute or two), so only with MEMO_STRESS=1:
//   MEMO_STRESS=1 build/tests/memo_e2e_tests --gtest_filter='Stress*'
// MEMO_STRESS_SEED=<n> replays a run (each test prints the seed it used).

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/monorepo_fixture.hpp"
#include "memo/store/entry.hpp"
#include "memo/util/digest.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

namespace memo::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool stress_enabled() {
  const char* flag = std::getenv("MEMO_STRESS");
  return flag && std::string(flag) == "1";
}

std::uint64_t seed_for(const char* test) {
  std::uint64_t seed = std::random_device{}();
  if (const char* given = std::getenv("MEMO_STRESS_SEED")) seed = std::stoull(given);
  std::cout << "[ stress ] " << test << ": MEMO_STRESS_SEED=" << seed << "\n";
  return seed;
}

// A build step whose outputs differ with `n`: a text file of some 150 KB cut in a dozen parts,
// small files, an executable and a symlink. It starts from an empty lib/, so its outputs are
// exactly what it writes.
std::string build_command(int n) {
  const std::string first = std::to_string(n * 7 + 1);
  const std::string last = std::to_string(n * 7 + 25000);
  return "rm -rf lib && mkdir -p lib/parts lib/nested && seq " + first + " " + last +
         " > lib/big.txt && split -l 2000 lib/big.txt lib/parts/p && cp src/index.ts "
         "lib/index.js && echo " +
         std::to_string(n) +
         " > lib/nested/n.js && : > lib/empty.js && printf '#!/bin/sh\\n' > lib/cli.js && chmod "
         "755 lib/cli.js && ln -s index.js lib/alias.js";
}

// Every file, folder and symlink under `root` (not followed), by relative path, with its type,
// permission bits and bytes (or target).
using Tree = std::map<std::string, std::string>;
Tree snapshot(const fs::path& root) {
  Tree tree;
  std::error_code error;
  if (!fs::exists(fs::symlink_status(root, error))) return tree;
  for (auto it = fs::recursive_directory_iterator(root, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const fs::path& path = it->path();
    std::string relative = path.lexically_relative(root).generic_string();
    auto status = fs::symlink_status(path, error);
    if (fs::is_symlink(status)) {
      tree[relative] = "link " + fs::read_symlink(path, error).string();
    } else if (fs::is_directory(status)) {
      tree[relative] = "dir";
    } else {
      auto mode = static_cast<unsigned>(status.permissions()) & 0777;
      tree[relative] = "file " + std::to_string(mode) + " " + read_file(path);
    }
  }
  return tree;
}

// Names of memo's staging files (".memo-<name>.<pid>.<n>.tmp") anywhere under `root`.
std::vector<std::string> staging_files(const fs::path& root) {
  std::vector<std::string> found;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::string name = it->path().filename().string();
    if (name.starts_with(".memo-") && name.ends_with(".tmp")) {
      found.push_back(it->path().lexically_relative(root).generic_string());
    }
  }
  return found;
}

// A description of what is wrong in the store at `store`, "" when nothing: every entry file
// parses (checksum included) and names its own key, every blob holds the bytes its name says,
// every blob an entry names is there; leftovers of a killed writer are only dot-named temp
// files. `entries` and `blobs` get the counts.
std::string check_store(const fs::path& store, std::size_t* entries, std::size_t* blobs) {
  std::string problems;
  std::error_code error;
  *entries = 0;
  *blobs = 0;
  std::vector<std::string> wanted;
  for (const char* kind : {"entries", "blobs"}) {
    const fs::path folder = store / kind;
    if (!fs::exists(folder, error)) continue;
    for (const auto& shard : fs::directory_iterator(folder, error)) {
      if (!shard.is_directory(error)) continue;
      for (const auto& item : fs::directory_iterator(shard.path(), error)) {
        const std::string name = item.path().filename().string();
        if (name.starts_with(".")) continue;  // a writer's temp file, swept when stale
        if (!item.is_regular_file(error)) {
          problems += std::string(kind) + "/" + name + " is not a file\n";
          continue;
        }
        const std::string bytes = read_file(item.path());
        const std::string id = shard.path().filename().string() + name;
        if (std::string(kind) == "entries") {
          ++*entries;
          auto entry = store::parse_entry(bytes);
          if (!entry) {
            problems += "entry " + name + ": " + entry.error() + "\n";
          } else if (entry->key != name) {
            problems += "entry " + name + " holds key " + entry->key + "\n";
          } else {
            for (const auto& output : entry->outputs) {
              if (!output.digest.empty()) wanted.push_back(archive::stored_blob(output));
            }
          }
        } else {
          ++*blobs;
          if (util::sha256_hex(bytes) != id) problems += "blob " + id + " holds other bytes\n";
        }
      }
    }
  }
  for (const auto& digest : wanted) {
    if (!fs::exists(store / "blobs" / digest.substr(0, 2) / digest.substr(2), error)) {
      problems += "blob " + digest + " named by an entry is missing\n";
    }
  }
  return problems;
}

// This process's environment without memo's settings (as run_memo gives its children).
std::vector<std::string> hermetic_environment() {
  std::vector<std::string> words;
  for (char** var = environ; *var; ++var) {
    std::string word = *var;
    std::string name = word.substr(0, word.find('='));
    if (name.starts_with("BACKFILL_") || name.starts_with("MEMO_") || name == "CI") continue;
    words.push_back(word);
  }
  return words;
}

// Starts build/memo with `args` in `cwd` (output discarded) in a process group of its own.
pid_t spawn_memo(const std::vector<std::string>& args, const fs::path& cwd) {
  std::vector<std::string> words{MEMO_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<std::string> env = hermetic_environment();
  std::vector<char*> argv, envp;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  for (auto& word : env) envp.push_back(word.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  }
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return spawned == 0 ? pid : -1;
}

// Waits for every child and every orphan left to this process (a subreaper): a command whose
// memo was killed finishes before the next run starts, as it would in a shell.
void reap_everything() {
  while (true) {
    pid_t pid = ::waitpid(-1, nullptr, 0);
    if (pid < 0 && errno == ECHILD) return;
  }
}

class StressTest : public MonorepoTest {
 protected:
  void SetUp() override {
    if (!stress_enabled()) {
      GTEST_SKIP() << "a stress test (a minute or two); run it with MEMO_STRESS=1 "
                      "build/tests/memo_e2e_tests --gtest_filter='Stress*'";
    }
    MonorepoTest::SetUp();
  }

  // What `command` produces in lib/ of a fresh copy of packages/a, run without memo.
  const Tree& expected(const std::string& command) {
    std::lock_guard lock(expected_mutex_);
    auto found = expected_.find(command);
    if (found != expected_.end()) return found->second;
    TempDir reference;
    reference.write("src/index.ts", read("packages/a/src/index.ts"));
    EXPECT_EQ(run_shell(command, reference.path()), 0) << command;
    return expected_[command] = snapshot(reference / "lib");
  }

  // Checks that a run just now left the package as `command` makes it: "" when it did.
  std::string check_package(const fs::path& package_root, const std::string& command) {
    std::string problems;
    if (snapshot(package_root / "lib") != expected(command)) problems += "lib/ differs; ";
    for (const auto& name : staging_files(package_root)) problems += "stray " + name + "; ";
    return problems;
  }

  std::mutex expected_mutex_;
  std::map<std::string, Tree> expected_;
};

// (a) SIGKILL at a random point of 200 stores and 200 restores; every next run exits 0 with
// the exact outputs and no staging file, and the store holds nothing half-written.
TEST_F(StressTest, KilledStoresAndRestoresLeaveNothingHalfDone) {
  const auto started = Clock::now();
  std::mt19937_64 random(seed_for("KilledStoresAndRestoresLeaveNothingHalfDone"));
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  constexpr int kStores = 200;
  constexpr int kRestores = 200;
  constexpr int kStoredKeys = 10;

  // How long a whole store and a whole restore take, to spread the kills over them.
  auto timed = [&](const std::vector<std::string>& args) {
    auto start = Clock::now();
    auto run = memo(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  };
  // The median of five of each (the machine may be busy with other work).
  auto median = [](std::vector<std::chrono::microseconds> times) {
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
  };
  std::vector<std::chrono::microseconds> stores, restores;
  for (int i = 0; i < 5; ++i) {
    stores.push_back(timed({"--", build_command(-1 - i)}));
    std::filesystem::remove_all(package() / "lib");
    restores.push_back(timed({"--", build_command(-1 - i)}));
  }
  const auto store_time = median(stores);
  const auto restore_time = median(restores);
  std::cout << "[ stress ] a store takes " << store_time.count() / 1000.0 << " ms, a restore "
            << restore_time.count() / 1000.0 << " ms\n";

  // Kills memo at a random point of its run: the whole process group (memo and the command,
  // as a cancelled CI job) or memo alone (its command then finishes as an orphan).
  int killed_mid_run = 0;
  auto kill_during = [&](const std::vector<std::string>& args, std::chrono::microseconds span,
                         bool whole_group) {
    pid_t pid = spawn_memo(args, package());
    ASSERT_GT(pid, 0);
    // Half the kills anywhere in the run, half in its last part, where a store writes (the
    // command takes most of a store's time).
    const long span_us = span.count();
    std::uniform_int_distribution<long> delay(random() % 2 ? 0 : span_us * 6 / 10,
                                              span_us * 11 / 10);
    std::this_thread::sleep_for(std::chrono::microseconds(delay(random)));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) ++killed_mid_run;
    ::kill(whole_group ? -pid : pid, SIGKILL);
    reap_everything();
  };
  auto check_next_run = [&](const std::string& command, const std::string& what, int i) {
    auto run = memo({"--", command});
    ASSERT_EQ(run.exit_code, 0) << what << " " << i << ": " << run.err;
    ASSERT_EQ(check_package(package(), command), "") << what << " " << i << ": " << run.err;
  };
  auto check_whole_store = [&](const std::string& when) {
    std::size_t entries = 0, blobs = 0;
    ASSERT_EQ(check_store(store(), &entries, &blobs), "") << when;
    auto stats = memo({"cache", "stats", "--json"});
    ASSERT_EQ(stats.exit_code, 0) << stats.err;
    auto json = nlohmann::json::parse(stats.out);
    EXPECT_EQ(json["entries"].get<std::size_t>(), entries) << when << "\n" << stats.out;
    EXPECT_EQ(json["blobs"].get<std::size_t>(), blobs) << when << "\n" << stats.out;
  };

  for (int i = 0; i < kStores; ++i) {
    const std::string command = build_command(i);
    kill_during({"--", command}, store_time, i % 2 == 0);
    check_next_run(command, "store", i);
    if (i % 50 == 49) check_whole_store("after store " + std::to_string(i));
  }
  const int killed_stores = killed_mid_run;

  for (int k = 0; k < kStoredKeys; ++k) check_next_run(build_command(1000 + k), "seed", k);
  for (int i = 0; i < kRestores; ++i) {
    const std::string command = build_command(1000 + static_cast<int>(random() % kStoredKeys));
    // Half from an empty lib/, half over another entry's outputs.
    if (i % 4 < 2) std::filesystem::remove_all(package() / "lib");
    kill_during({"--", command}, restore_time, i % 2 == 0);
    check_next_run(command, "restore", i);
    if (i % 50 == 49) check_whole_store("after restore " + std::to_string(i));
  }
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 0), 0);

  // Killed writers leave temp files in the store, never a half entry; memo keeps working.
  std::cout << "[ stress ] killed mid-run: " << killed_stores << "/" << kStores << " stores, "
            << killed_mid_run - killed_stores << "/" << kRestores << " restores, in "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count()
            << " s\n";
  EXPECT_GT(killed_stores, kStores / 10);
  EXPECT_GT(killed_mid_run - killed_stores, kRestores / 10);
  std::size_t temp_files = 0;
  for (const auto& item : fs::recursive_directory_iterator(store())) {
    temp_files += item.path().filename().string().starts_with(".");
  }
  std::cout << "[ stress ] temp files the killed writers left in the store: " << temp_files << "\n";
  auto pruned = memo({"cache", "prune", "--max-size", "1MB"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  check_whole_store("after prune");
}

// (b) 8 processes × 200 mixed operations (miss and store, hit and restore, --force, prune) on
// 20 hot keys: the same package in 8 checkouts sharing one store. Every run exits 0 and
// leaves exactly the command's outputs.
TEST_F(StressTest, ConcurrentRunsOnHotKeysAreExact) {
  const auto started = Clock::now();
  const std::uint64_t seed = seed_for("ConcurrentRunsOnHotKeysAreExact");
  constexpr int kProcesses = 8;
  constexpr int kOperations = 200;
  constexpr int kHotKeys = 20;

  TempDir shared;
  const fs::path shared_store = shared / "store";
  std::vector<std::unique_ptr<TempDir>> checkouts;
  for (int p = 0; p < kProcesses; ++p) {
    auto& checkout = checkouts.emplace_back(std::make_unique<TempDir>());
    for (const char* file : {"package.json", "packages/a/package.json", "packages/a/src/index.ts",
                             "packages/a/src/util.ts"}) {
      checkout->write(file, read(file));
    }
    ASSERT_EQ(run_shell("git init -q", checkout->path()), 0);
  }
  for (int k = 0; k < kHotKeys; ++k) (void)expected(build_command(k));

  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::map<std::string, int> counts;
  auto worker = [&](int p) {
    std::mt19937_64 random(seed + static_cast<std::uint64_t>(p));
    const fs::path package_root = checkouts[p]->path() / "packages/a";
    const std::map<std::string, std::string> env{{"MEMO_INTERNAL_CACHE_FOLDER", shared_store}};
    for (int i = 0; i < kOperations; ++i) {
      const std::string command = build_command(static_cast<int>(random() % kHotKeys));
      const int dice = static_cast<int>(random() % 20);
      std::string what;
      MemoRun run;
      if (dice == 0) {
        what = "prune";
        run = run_memo({"cache", "prune", "--max-size", "2MB"}, package_root, env);
      } else if (dice < 4) {
        what = "force";
        run = run_memo({"--force", "--", command}, package_root, env);
      } else {
        // A hit with its outputs gone or changed restores them; else a hit or a miss.
        if (dice < 10) std::filesystem::remove_all(package_root / "lib");
        if (dice == 10) write_file(package_root / "lib/index.js", "changed\n");
        what = "run";
        run = run_memo({"--", command}, package_root, env);
      }
      std::string problems = run.exit_code == 0 ? "" : "exit " + std::to_string(run.exit_code);
      if (what != "prune") problems += check_package(package_root, command);
      std::lock_guard lock(failures_mutex);
      ++counts[what];
      if (run.err.find(": hit ") != std::string::npos) ++counts["hits"];
      if (run.err.find("warning") != std::string::npos &&
          run.err.find("no lockfile") == std::string::npos) {
        ++counts["warnings"];
      }
      if (!problems.empty()) {
        failures.push_back("process " + std::to_string(p) + " op " + std::to_string(i) + " " +
                           what + ": " + problems + "\n" + run.err);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int p = 0; p < kProcesses; ++p) threads.emplace_back(worker, p);
  for (auto& thread : threads) thread.join();

  std::cout << "[ stress ] " << kProcesses * kOperations << " operations in "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count()
            << " s:";
  for (const auto& [what, count] : counts) std::cout << " " << what << " " << count;
  std::cout << "\n";
  EXPECT_EQ(failures.size(), 0u);
  for (std::size_t i = 0; i < failures.size() && i < 10; ++i) ADD_FAILURE() << failures[i];
  EXPECT_GT(counts["hits"], 0) << "the checkouts never shared an entry";
  std::size_t entries = 0, blobs = 0;
  EXPECT_EQ(check_store(shared_store, &entries, &blobs), "");
}

}  // namespace
}  // namespace memo::testing
