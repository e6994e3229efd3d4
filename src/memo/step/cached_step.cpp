#include "memo/step/cached_step.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>
#include <system_error>
#include <thread>
#include <vector>

#include "memo/archive/restore.hpp"
#include "memo/exec/subprocess.hpp"
#include "memo/hash/file_walk.hpp"
#include "memo/hash/package_key.hpp"
#include "memo/step/performance_log.hpp"
#include "memo/store/local_skip_store.hpp"
#include "memo/store/local_store.hpp"
#include "memo/store/output_state.hpp"
#include "memo/util/log.hpp"
#include "memo/util/stopwatch.hpp"

namespace memo::step {

namespace {

using config::Mode;
using util::Log;

std::string seconds(double ms) {
  char text[32];
  if (ms < 1000)
    std::snprintf(text, sizeof text, "%.0f ms", ms);
  else
    std::snprintf(text, sizeof text, "%.2f s", ms / 1000);
  return text;
}

std::string count_of(std::size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

constexpr const char* kNoOutputsHint =
    "(with tsc -b, add tsconfig.tsbuildinfo to outputGlob, or delete it with the outputs)";

std::string now_utc() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

class Step {
 public:
  Step(const config::Config& config, const std::string& command, const KeyInputs& inputs,
       const StepOptions& options)
      : config_(config),
        command_(command),
        inputs_(inputs),
        options_(options),
        store_(config.internal_cache_folder),
        skip_store_(config.internal_cache_folder),
        state_(config.internal_cache_folder) {
    report_.name = config.name;
    report_.provider = config.provider;
    report_.mode = std::string(config::mode_name(config.mode));
  }

  int run() {
    auto compiled = hash::GlobSet::compile(config_.output_glob);
    if (!compiled) {
      // A bad glob is the user's to fix, but config loading validated the shape; be safe.
      Log::warn("outputGlob: " + compiled.error() + "; running uncached");
      return run_command();
    }
    outputs_ = std::move(*compiled);
    if (config_.mode == Mode::Pass) return finish(run_command());

    util::Stopwatch hashing;
    auto key = compute_key(config_, command_, inputs_);
    report_.hash_ms = hashing.elapsed_ms();
    if (!key) {
      Log::warn("cannot compute the key (" + key.error() + "); running uncached");
      return finish(run_command());
    }
    key_ = key->key;
    manifest_ = key->manifest;
    records_ = std::move(key->records);
    start_keeping_records();
    report_.hash = key_;
    Log::verbose("key " + key_ + " from " + std::to_string(key->file_count) + " files in " +
                 seconds(report_.hash_ms));

    if (options_.force) {
      Log::verbose("--force: the command runs whatever the cache holds");
    } else if (config_.mode != Mode::WriteOnly && try_hit()) {
      return finish(0);
    }

    clear_outputs_if_asked();
    int exit_code = run_command();
    if (exit_code != 0) {
      Log::info(label() + "miss " + short_key() + ", command failed (exit " +
                std::to_string(exit_code) + ") after " + seconds(report_.build_ms) +
                "; nothing stored");
      return finish(exit_code);
    }
    if (config_.mode == Mode::ReadOnly) {
      Log::info(label() + "miss " + short_key() + ", ran in " + seconds(report_.build_ms) +
                " (READ_ONLY: not stored)");
      return finish(exit_code);
    }
    store_outputs();
    return finish(exit_code);
  }

 private:
  std::string label() const { return config_.name.empty() ? "" : config_.name + ": "; }
  std::string short_key() const { return key_.substr(0, 12); }

  // memo's records of the packages' files are written while the command runs or the outputs
  // are restored: they only make the next key faster.
  void start_keeping_records() {
    if (records_.empty()) return;
    try {
      keeping_records_ = std::jthread([this] { hash::keep_records(records_); });
    } catch (const std::system_error&) {
      hash::keep_records(records_);
    }
  }

  int finish(int exit_code) {
    if (config_.produce_performance_logs) {
      report_.total_ms = util::process_stopwatch().elapsed_ms();
      write_performance_log(config_.log_folder, report_);
    }
    return exit_code;
  }

  int run_command() {
    util::Stopwatch running;
    auto exit_code = exec::run_shell_command(command_, config_.package_root);
    report_.build_ms = running.elapsed_ms();
    if (!exit_code) {
      Log::error("cannot start the command: " + exit_code.error());
      return 127;
    }
    return *exit_code;
  }

  void clear_outputs_if_asked() {
    if (!config_.clear_output) return;
    auto removed = archive::clear_outputs(config_.package_root, outputs_);
    if (!removed)
      Log::warn("clearOutput: " + removed.error());
    else
      Log::verbose("clearOutput removed " + std::to_string(*removed) + " files");
  }

  bool try_hit() {
    util::Stopwatch fetching;
    bool hit = config_.provider == "local-skip" ? try_skip_hit() : try_local_hit();
    report_.fetch_ms = fetching.elapsed_ms();
    report_.hit = hit;
    return hit;
  }

  bool try_skip_hit() {
    auto current = skip_store_.is_current(package_path(), key_, config_.package_root);
    if (!current) {
      Log::warn("local-skip record unreadable (" + current.error().message +
                "); running the command");
      return false;
    }
    if (*current) {
      Log::info(label() + "hit " + short_key() + ", outputs already in place (local-skip)");
    }
    return *current;
  }

  bool try_local_hit() {
    // Outputs memo left for this very key and that nobody touched: nothing to do at all.
    std::optional<std::set<std::string>> only_these;
    if (!config_.clear_output) {
      if (auto changed = state_.changed_outputs(package_path(), key_, config_.package_root)) {
        if (changed->empty()) {
          Log::info(label() + "hit " + short_key() + ", outputs intact, nothing to restore");
          return true;
        }
        only_these = std::set<std::string>(changed->begin(), changed->end());
      }
    }
    auto found = store_.get(key_);
    if (!found) {
      Log::warn("cache entry unreadable (" + found.error().message + "); running the command");
      if (found.error().kind == store::StoreError::Kind::Corrupt)
        drop_entry();
      else
        store_unusable_ = true;  // said once; storing into it is not tried
      return false;
    }
    if (!*found) return false;
    const store::Entry& entry = **found;
    clear_outputs_if_asked();
    // Restore only the outputs that changed since memo left them, when it knows which; for
    // another key, leave alone those memo left with the very bytes this entry holds.
    std::set<std::string> in_place;
    if (!only_these && !config_.clear_output) {
      in_place = state_.already_in_place(package_path(), config_.package_root, entry.outputs);
    }
    std::vector<archive::OutputFile> to_restore;
    for (const auto& output : entry.outputs) {
      if (only_these ? only_these->contains(output.path) : !in_place.contains(output.path)) {
        to_restore.push_back(output);
      }
    }
    util::Stopwatch restoring;
    bool entry_is_bad = false;
    auto restored = archive::restore_outputs(
        config_.package_root, to_restore,
        [this](const std::string& digest) { return store_.open_blob(digest); }, &entry_is_bad);
    if (!restored) {
      Log::warn("cannot restore entry " + short_key() + " (" + restored.error() +
                "); running the command");
      // Only an entry at fault is dropped: a full disk or a folder in the way is the package's.
      if (entry_is_bad) drop_entry();
      return false;
    }
    if (config_.validate_output) {
      auto changed = archive::find_changed_outputs(config_.package_root, entry.outputs);
      if (!changed || !changed->empty()) {
        std::string what =
            changed ? (*changed)[0] + (changed->size() > 1
                                           ? " and " + std::to_string(changed->size() - 1) + " more"
                                           : "")
                    : changed.error();
        Log::error("validateOutput: restored outputs differ from entry " + short_key() + " (" +
                   what + "); the entry is dropped and the command runs");
        drop_entry();
        return false;
      }
      Log::verbose("validateOutput: " + std::to_string(entry.outputs.size()) +
                   " restored outputs match the entry");
    }
    if (entry.outputs.empty()) {
      Log::warn("hit " + short_key() +
                " restores nothing: outputGlob matched no file when it "
                "was stored " +
                kNoOutputsHint);
    }
    remember_outputs(entry.outputs);
    if (to_restore.empty() && !entry.outputs.empty()) {
      Log::info(label() + "hit " + short_key() + ", outputs already as this entry has them, " +
                "nothing to restore, saved " + seconds(entry.command_ms));
      return true;
    }
    std::string how_many = count_of(restored->files + restored->symlinks, "file");
    if (to_restore.size() < entry.outputs.size()) {
      how_many += " of " + std::to_string(entry.outputs.size()) + " (the others were intact)";
    }
    Log::info(label() + "hit " + short_key() + ", restored " + how_many + " in " +
              seconds(restoring.elapsed_ms()) + ", saved " + seconds(entry.command_ms));
    return true;
  }

  void remember_outputs(const std::vector<archive::OutputFile>& outputs) {
    if (auto saved = state_.save(package_path(), key_, config_.package_root, outputs); !saved) {
      Log::verbose("could not record the outputs' state: " + saved.error().message);
    }
  }

  void drop_entry() {
    if (auto removed = store_.remove(key_); !removed) {
      Log::warn("cannot drop entry " + short_key() + ": " + removed.error().message);
    }
  }

  std::string package_path() const { return hash::package_path_in_repo(config_); }

  void store_outputs() {
    if (store_unusable_) {
      Log::info(label() + "miss " + short_key() + ", ran in " + seconds(report_.build_ms) +
                "; nothing stored");
      return;
    }
    util::Stopwatch storing;
    hash::WalkOptions walk;
    walk.include = &outputs_;
    walk.skip_folders = {config_.internal_cache_folder, config_.log_folder};
    auto files = hash::walk_files(config_.package_root, walk);
    if (!files) {
      Log::warn("cannot list the outputs (" + files.error() + "); nothing stored");
      return;
    }
    std::string stored_what;
    if (config_.provider == "local-skip") {
      auto recorded =
          skip_store_.record(package_path(), key_, config_.package_root, *files, manifest_);
      if (!recorded) {
        Log::warn("cannot record the key (" + recorded.error().message + "); nothing stored");
        return;
      }
      stored_what = "recorded";
    } else {
      store::Entry entry;
      entry.key = key_;
      entry.package = package_path();
      entry.name = config_.name;
      entry.command = command_;
      entry.manifest = manifest_;
      entry.created = now_utc();
      entry.command_ms = report_.build_ms;
      auto stored = store_.put(std::move(entry), config_.package_root, *files);
      if (stored) remember_outputs(stored->outputs);
      if (!stored) {
        Log::warn("cannot store the outputs (" + stored.error().message + ")");
        Log::info(label() + "miss " + short_key() + ", ran in " + seconds(report_.build_ms) +
                  "; nothing stored");
        return;
      }
      stored_what = "stored " + count_of(files->size(), "file");
      if (auto latest = store_.record_latest(package_path(), command_, key_); !latest) {
        Log::verbose("could not record the latest key: " + latest.error().message);
      }
    }
    report_.put_ms = storing.elapsed_ms();
    if (files->empty()) {
      Log::warn("outputGlob matched no file in " + config_.package_root.string() +
                "; the entry holds no outputs " + kNoOutputsHint);
    }
    Log::info(label() + "miss " + short_key() + ", ran in " + seconds(report_.build_ms) + ", " +
              stored_what + " in " + seconds(report_.put_ms));
  }

  const config::Config& config_;
  const std::string& command_;
  const KeyInputs& inputs_;
  const StepOptions& options_;
  store::LocalStore store_;
  store::LocalSkipStore skip_store_;
  store::OutputState state_;
  hash::GlobSet outputs_;
  std::string key_;
  std::string manifest_;
  PerformanceReport report_;
  bool store_unusable_ = false;
  std::vector<hash::PendingRecord> records_;
  std::jthread keeping_records_;  // last: joined before anything it uses goes away
};

}  // namespace

int run_cached_step(const config::Config& config, const std::string& command,
                    const KeyInputs& inputs, const StepOptions& options) {
  return Step(config, command, inputs, options).run();
}

}  // namespace memo::step
