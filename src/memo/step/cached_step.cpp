#include "memo/step/cached_step.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <set>
#include <system_error>
#include <thread>
#include <vector>

#include "memo/archive/output_checks.hpp"
#include "memo/archive/restore.hpp"
#include "memo/exec/signals.hpp"
#include "memo/exec/subprocess.hpp"
#include "memo/hash/file_walk.hpp"
#include "memo/hash/package_key.hpp"
#include "memo/step/performance_log.hpp"
#include "memo/store/eviction.hpp"
#include "memo/store/local_skip_store.hpp"
#include "memo/store/local_store.hpp"
#include "memo/store/output_state.hpp"
#include "memo/store/restore_journal.hpp"
#include "memo/store/store_lock.hpp"
#include "memo/store/store_stats.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/log.hpp"
#include "memo/util/staging_name.hpp"
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

// The folders `outputs` are written into, once each.
std::vector<std::string> folders_of(const std::vector<archive::OutputFile>& outputs) {
  std::set<std::string> folders;
  for (const auto& output : outputs) {
    std::size_t slash = output.path.rfind('/');
    folders.insert(slash == std::string::npos ? "" : output.path.substr(0, slash));
  }
  return {folders.begin(), folders.end()};
}

class Step {
 public:
  Step(const config::Config& config, const std::string& command, const KeyInputs& inputs,
       store::Cache& cache, const StepOptions& options)
      : config_(config),
        command_(command),
        inputs_(inputs),
        options_(options),
        cache_(cache),
        store_(cache.local()),
        skip_store_(config.internal_cache_folder),
        state_(config.internal_cache_folder),
        stats_(config.internal_cache_folder) {
    report_.name = config.name;
    report_.provider = config.provider;
    report_.mode = std::string(config::mode_name(config.mode));
    pass_on_ = options.output ? options.output : to_own_streams();
  }

  StepOutcome run() {
    auto compiled = hash::GlobSet::compile(config_.output_glob);
    if (!compiled) {
      // A bad glob is the user's to fix, but config loading validated the shape; be safe.
      Log::warn("outputGlob: " + compiled.error() + "; running uncached");
      return finish(run_uncached());
    }
    outputs_ = std::move(*compiled);
    if (config_.mode == Mode::Pass) return finish(run_uncached());
    store::sweep_interrupted_restores(config_.internal_cache_folder);

    if (!compute_key()) return finish(run_uncached());
    if (options_.force) {
      Log::verbose("--force: the command runs whatever the cache holds");
    } else if (config_.mode != Mode::WriteOnly && try_hit()) {
      return finish(0);
    }
    return finish(run_and_store());
  }

 private:
  // The package's name before each line, unless the lines go to a sink that says whose they are.
  std::string label() const {
    return config_.name.empty() || options_.log ? "" : config_.name + ": ";
  }
  std::string short_key() const { return key_.substr(0, 12); }
  // What a run that did not hit is called: a miss, or forced by --force.
  std::string outcome() const { return (options_.force ? "forced " : "miss ") + short_key(); }

  bool compute_key() {
    util::Stopwatch hashing;
    auto key = step::compute_key(config_, command_, inputs_, options_.session);
    report_.hash_ms = hashing.elapsed_ms();
    if (!key) {
      Log::warn("cannot compute the key (" + key.error() + "); running uncached");
      return false;
    }
    key_ = key->key;
    outcome_.key = key_;
    outcome_.input_count = key->file_count;
    manifest_ = key->manifest;
    manifest_parts_ = std::move(key->parts);
    records_ = std::move(key->records);
    start_keeping_records();
    report_.hash = key_;
    Log::verbose("key " + key_ + " from " + std::to_string(key->file_count) + " files in " +
                 seconds(report_.hash_ms));
    return true;
  }

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

  StepOutcome finish(int exit_code) {
    if (config_.produce_performance_logs) {
      report_.total_ms = util::process_stopwatch().elapsed_ms();
      write_performance_log(config_.log_folder, report_);
    }
    outcome_.exit_code = exit_code;
    outcome_.hash_ms = report_.hash_ms;
    outcome_.fetch_ms = report_.fetch_ms;
    if (!is_hit(outcome_.result)) outcome_.command_ms = report_.build_ms;
    outcome_.store_ms = report_.put_ms;
    return outcome_;
  }

  // memo's stdout and stderr; one whose reader went away (`memo -- x | head`) takes no more.
  static exec::OutputChunk to_own_streams() {
    return [out_open = true, err_open = true](exec::OutputStream stream,
                                              std::string_view bytes) mutable {
      const bool to_stdout = stream == exec::OutputStream::Stdout;
      bool& open = to_stdout ? out_open : err_open;
      if (open) open = util::write_all(to_stdout ? STDOUT_FILENO : STDERR_FILENO, bytes);
    };
  }

  // Whether a miss may store: the command's output is then kept as it runs.
  bool may_store() const {
    return config_.mode != Mode::ReadOnly && config_.provider != "local-skip" && !store_unusable_;
  }

  // The command's output, passed on as it comes and, with a spool, kept for the entry.
  exec::OutputChunk tee() {
    return [this](exec::OutputStream stream, std::string_view bytes) {
      pass_on_(stream, bytes);
      if (!spool_ || log_problem_) return;
      std::string records;
      exec::append_output_records(records, stream, bytes);
      if (auto written = spool_->write(records); !written) log_problem_ = written.error().message;
    };
  }

  int run_command() {
    util::Stopwatch running;
    exec::ShellOptions shell{.environment = options_.environment, .no_stdin = options_.no_stdin};
    // With nothing to keep and nowhere else to send it, the output goes straight to memo's
    // own streams: the command keeps its terminal.
    if (spool_ || options_.output) shell.output = tee();
    auto exit_code = exec::run_shell_command(command_, config_.package_root, shell);
    report_.build_ms = running.elapsed_ms();
    if (!exit_code) {
      Log::error("cannot start the command: " + exit_code.error());
      return 127;
    }
    return *exit_code;
  }

  // After a SIGINT, SIGTERM, SIGHUP or SIGQUIT while the command ran: whatever it left is
  // half-made, even when it exited 0 (a tool that catches Ctrl-C), so nothing is stored.
  std::optional<int> interrupted() {
    const int signal_number = exec::interrupting_signal();
    if (signal_number == 0) return std::nullopt;
    outcome_.interrupted = true;
    Log::info(label() + "interrupted by " + exec::signal_name(signal_number) + " after " +
              seconds(report_.build_ms) + "; nothing stored");
    return 128 + signal_number;
  }

  // The command without the cache: PASS mode, or a cache problem already said in a warning.
  int run_uncached() {
    int exit_code = run_command();
    if (auto code = interrupted()) return *code;
    std::string why = config_.mode == Mode::Pass ? " (PASS mode)" : "";
    Log::info(label() + "ran uncached" + why + " in " + seconds(report_.build_ms) +
              (exit_code == 0 ? "" : ", exit " + std::to_string(exit_code)));
    return exit_code;
  }

  int run_and_store() {
    outcome_.result = options_.force ? CacheResult::Forced : CacheResult::Miss;
    clear_outputs_if_asked();
    if (may_store()) {
      auto spool = store_.log_spool();
      if (spool) {
        spool_.emplace(std::move(*spool));
      } else {
        log_problem_ = spool.error().message;
      }
    }
    int exit_code = run_command();
    new_bytes_ = 0;
    if (auto code = interrupted()) return *code;
    if (exit_code == 0 && options_.on_command_succeeded) options_.on_command_succeeded();
    if (exit_code != 0) {
      Log::info(label() + outcome() + ", command failed (exit " + std::to_string(exit_code) +
                ") after " + seconds(report_.build_ms) + "; nothing stored");
      count_miss();
      return exit_code;
    }
    if (config_.mode == Mode::ReadOnly) {
      Log::info(label() + outcome() + ", ran in " + seconds(report_.build_ms) +
                " (READ_ONLY: not stored)");
      count_miss();
      return exit_code;
    }
    store_outputs();
    count_miss();
    return exit_code;
  }

  // A miss is counted once the command has run; when what it stored takes the store over
  // maxCacheSize, the least recently used entries go (the build is done by then).
  void count_miss() {
    auto counters = stats_.add({.misses = 1, .bytes = new_bytes_});
    if (!counters || !config_.max_cache_size || counters->bytes <= *config_.max_cache_size) return;
    // Down to 90%, so that the next few stores do not trim again.
    store::PruneLimits limits{.max_bytes = *config_.max_cache_size / 10 * 9, .keep = key_};
    if (auto pruned = store::prune_store(config_.internal_cache_folder, limits)) {
      Log::verbose("the store passed maxCacheSize: removed " +
                   std::to_string(pruned->entries_removed) + " least recently used entries");
    } else {
      Log::verbose("could not trim the store: " + pruned.error());
    }
  }

  void clear_outputs_if_asked() {
    if (!config_.clear_output || cleared_) return;
    cleared_ = true;
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
    if (hit) report_.hit_source = source_ == store::HitSource::Remote ? "remote" : "local";
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
      outcome_.result = CacheResult::HitIntact;
    }
    return *current;
  }

  bool try_local_hit() {
    // Outputs memo left for this very key and that nobody touched: nothing to do at all.
    std::optional<std::set<std::string>> changed;
    if (!config_.clear_output) {
      if (auto state = state_.changed_outputs(state_name(), key_, config_.package_root)) {
        auto log = state->changed.empty() ? intact_hit_log(state->log) : std::nullopt;
        if (log) {
          Log::info(label() + "hit " + short_key() + ", outputs intact, nothing to restore");
          if (*log) replay(**log);
          store_.mark_used(key_);
          stats_.add({.hits = 1, .saved_ms = static_cast<std::uint64_t>(state->command_ms)});
          outcome_.result = CacheResult::HitIntact;
          outcome_.command_ms = state->command_ms;
          return true;
        }
        changed = std::set<std::string>(state->changed.begin(), state->changed.end());
      }
    }
    for (bool again = false;; again = true) {
      // Shared with other restores and stores; eviction waits until the blobs are read.
      auto lock = store::StoreLock::shared(config_.internal_cache_folder);
      auto entry = load_entry();
      if (!entry) return false;
      auto log = open_log(*entry);
      if (!log) return false;
      clear_outputs_if_asked();
      auto to_restore = outputs_to_restore(*entry, changed);
      util::Stopwatch restoring;
      auto restored = restore(to_restore);
      if (restored) {
        double restore_ms = restoring.elapsed_ms();
        lock.reset();
        return finish_hit(*entry, *log, to_restore.size(), restore_ms);
      }
      // The local entry held wrong bytes (a hardlinked output written in place writes the
      // store's file) and is gone: the remote's copy is fetched instead, once.
      const bool refetch = restored.error().entry_at_fault && !again &&
                           source_ == store::HitSource::Local && cache_.has_remote();
      Log::warn("cannot restore entry " + short_key() + " (" + restored.error().message + "); " +
                (refetch ? "fetching it again from the remote cache" : "running the command"));
      if (!refetch) return false;
    }
  }

  bool finish_hit(const store::Entry& entry, const std::optional<util::Fd>& log,
                  std::size_t restored, double restore_ms) {
    if (config_.validate_output && !outputs_valid(entry)) return false;
    remember_outputs(entry.outputs, entry.command_ms, entry.log);
    store_.mark_used(key_);
    report_hit(entry, restored, restore_ms);
    if (log) replay(*log);
    outcome_.result =
        source_ == store::HitSource::Remote ? CacheResult::HitRemote : CacheResult::HitLocal;
    outcome_.command_ms = entry.command_ms;
    return true;
  }

  // The entry's output log, checked against its digest before anything is restored or
  // replayed: nullopt inside when it has none; nullopt outside (the entry dropped) when the
  // log is missing or damaged, since a hit must replay what the run printed.
  std::optional<std::optional<util::Fd>> open_log(const store::Entry& entry) {
    if (!entry.log) return std::optional<util::Fd>();
    auto fd = store_.open_blob(entry.log->digest);
    std::string problem = fd ? check_log(*entry.log, fd->get()) : fd.error().message;
    if (problem.empty()) return std::optional<util::Fd>(std::move(*fd));
    Log::warn("cache entry " + short_key() + " refused: its output log " + problem +
              "; running the command");
    store_.discard_blob(entry.log->digest);
    drop_entry();
    return std::nullopt;
  }

  // What is wrong with the log blob open as `fd` ("" when nothing is).
  std::string check_log(const store::OutputLog& log, int fd) const {
    if (store_.is_checked(log.digest, fd)) return "";
    auto content = util::sha256_of_open_file(fd);
    if (!content) return "cannot be read: " + util::errno_message(content.error());
    if (content->size != log.size || content->sha256 != log.digest) {
      return "is not what the entry says";
    }
    return "";
  }

  // For a hit with the outputs intact: the entry's log to replay (nullopt inside when it has
  // none, or when the entry is gone); nullopt when it proved damaged, and the hit is off. The
  // log memo recorded with the outputs (`recorded`) spares reading the entry while it is whole.
  std::optional<std::optional<util::Fd>> intact_hit_log(
      const std::optional<store::OutputLog>& recorded) {
    if (!recorded) return std::optional<util::Fd>();  // the command printed nothing
    auto fd = store_.open_blob(recorded->digest);
    if (fd && check_log(*recorded, fd->get()).empty()) {
      return std::optional<util::Fd>(std::move(*fd));
    }
    auto entry = store_.get(key_);
    if (!entry || !*entry) return std::optional<util::Fd>();
    return open_log(**entry);
  }

  // Writes the stored output where the command's output goes, as the run wrote it.
  void replay(const util::Fd& log) {
    std::uint64_t offset = 0;
    auto read = [&](char* into, std::size_t want) -> std::expected<std::size_t, std::string> {
      for (;;) {
        ssize_t n = ::pread(log.get(), into, want, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(util::errno_message(errno));
        offset += static_cast<std::uint64_t>(n);
        return static_cast<std::size_t>(n);
      }
    };
    if (auto replayed = exec::replay_output_records(read, pass_on_); !replayed) {
      Log::warn("cannot replay the stored output of entry " + short_key() + ": " +
                replayed.error());
    }
  }

  // The entry under today's key when there is a usable one. A damaged or hostile entry is
  // dropped; a store that cannot be read is said once and not written to either.
  std::optional<store::Entry> load_entry() {
    auto found = cache_.find(artifact_id());
    if (!found) {
      Log::warn("cache entry unreadable (" + found.error().message + "); running the command");
      if (found.error().kind == store::StoreError::Kind::Corrupt) {
        drop_entry();
      } else {
        store_unusable_ = true;
      }
      return std::nullopt;
    }
    if (!*found) return std::nullopt;
    store::Entry& entry = (*found)->entry;
    if (auto refused = archive::find_unrestorable_output(entry.outputs, outputs_)) {
      Log::warn("cache entry " + short_key() + " refused: " + *refused + "; running the command");
      drop_entry();
      return std::nullopt;
    }
    source_ = (*found)->source;
    if (source_ == store::HitSource::Remote) {
      report_.download_ms = (*found)->download_ms;
      Log::verbose("downloaded entry " + short_key() + " from " + cache_.remote_name() + " (" +
                   std::to_string((*found)->downloaded) + " bytes) in " +
                   seconds((*found)->download_ms));
    }
    return std::move(entry);
  }

  // What the remote knows this step's entry by.
  store::remote::ArtifactId artifact_id() const {
    return {key_, config_.name.empty() ? package_path() : config_.name, command_};
  }

  // Only the outputs that changed since memo left them, when it knows which; for another key,
  // all but those memo left with the very bytes this entry holds.
  std::vector<archive::OutputFile> outputs_to_restore(
      const store::Entry& entry, const std::optional<std::set<std::string>>& changed) const {
    std::set<std::string> in_place;
    if (!changed && !config_.clear_output) {
      in_place = state_.already_in_place(state_name(), config_.package_root, entry.outputs);
    }
    std::vector<archive::OutputFile> outputs;
    for (const auto& output : entry.outputs) {
      if (changed ? changed->contains(output.path) : !in_place.contains(output.path)) {
        outputs.push_back(output);
      }
    }
    return outputs;
  }

  // Puts `outputs` back from the local store. On a failure whose fault is the entry's, the
  // blobs that proved wrong and the entry are dropped; a full disk or a folder in the way is
  // the package's, and leaves them.
  std::expected<void, archive::RestoreFailure> restore(
      const std::vector<archive::OutputFile>& outputs) {
    if (outputs.empty()) return {};
    store::RestoreJournal journal(config_.internal_cache_folder, config_.package_root,
                                  folders_of(outputs));
    auto restored = archive::restore_outputs(
        config_.package_root, outputs,
        [this](const archive::OutputFile& file) { return store_.open_output(file); },
        archive_restore_mode());
    if (!restored) {
      for (const auto& digest : restored.error().bad_blobs) store_.discard_blob(digest);
      if (restored.error().entry_at_fault) drop_entry();
      return std::unexpected(std::move(restored.error()));
    }
    restored_files_ = restored->files + restored->symlinks;
    restored_shared_ = restored->linked;
    return {};
  }

  archive::RestoreMode archive_restore_mode() const {
    switch (config_.restore_mode) {
      case config::RestoreMode::Clone:
        return archive::RestoreMode::Clone;
      case config::RestoreMode::Hardlink:
        return archive::RestoreMode::Hardlink;
      case config::RestoreMode::Copy:
        break;
    }
    return archive::RestoreMode::Copy;
  }

  bool outputs_valid(const store::Entry& entry) {
    auto changed = archive::find_changed_outputs(config_.package_root, entry.outputs);
    if (changed && changed->empty()) {
      Log::verbose("validateOutput: " + std::to_string(entry.outputs.size()) +
                   " restored outputs match the entry");
      return true;
    }
    std::string what =
        changed ? (*changed)[0] + (changed->size() > 1
                                       ? " and " + std::to_string(changed->size() - 1) + " more"
                                       : "")
                : changed.error();
    Log::error("validateOutput: restored outputs differ from entry " + short_key() + " (" + what +
               "); the entry is dropped and the command runs");
    drop_entry();
    return false;
  }

  void report_hit(const store::Entry& entry, std::size_t restored, double restore_ms) const {
    // What the hit saved: the command's time, less what restoring took.
    const double saved_ms = std::max(0.0, entry.command_ms - restore_ms);
    stats_.add({.hits = 1, .saved_ms = static_cast<std::uint64_t>(saved_ms)});
    const std::string saved = ", saved " + seconds(saved_ms);
    if (entry.outputs.empty() && !config_.output_glob.empty()) {
      Log::warn("hit " + short_key() +
                " restores nothing: outputGlob matched no file when it was stored " +
                kNoOutputsHint);
    }
    if (restored == 0 && !entry.outputs.empty()) {
      Log::info(label() + "hit " + short_key() + from_where() +
                ", outputs already as this entry has them, nothing to restore" + saved);
      return;
    }
    std::string how_many = count_of(restored_files_, "file");
    if (restored < entry.outputs.size()) {
      how_many += " of " + std::to_string(entry.outputs.size()) + " (the others were intact)";
    }
    if (restored_shared_ > 0) {
      how_many += config_.restore_mode == config::RestoreMode::Hardlink
                      ? ", " + std::to_string(restored_shared_) + " hardlinked"
                      : ", " + std::to_string(restored_shared_) + " cloned";
    }
    Log::info(label() + "hit " + short_key() + from_where() + ", restored " + how_many + " in " +
              seconds(restore_ms) + saved);
  }

  // " from the remote cache (s3)" for a remote hit.
  std::string from_where() const {
    return source_ == store::HitSource::Remote
               ? " from the remote cache (" + cache_.remote_name() + ")"
               : "";
  }

  void remember_outputs(const std::vector<archive::OutputFile>& outputs, double command_ms,
                        const std::optional<store::OutputLog>& log,
                        const std::vector<struct stat>* as_read = nullptr) {
    if (auto saved = state_.save(state_name(), key_, config_.package_root, outputs, command_ms, log,
                                 as_read);
        !saved) {
      Log::verbose("could not record the outputs' state: " + saved.error().message);
    }
  }

  void drop_entry() {
    if (auto removed = store_.remove(key_); !removed) {
      Log::verbose("cannot drop entry " + short_key() + ": " + removed.error().message);
    }
  }

  std::string package_path() const { return hash::package_path_in_repo(config_); }
  // What memo's record of the outputs it left is kept under: the package and the command, so
  // a package's tasks (build, test) each find their own.
  std::string state_name() const { return package_path() + '\0' + command_; }

  // The outputs on disk now; staging files (never outputs) left by a process that is gone are
  // removed on the way.
  std::optional<std::vector<hash::WalkedFile>> list_outputs() const {
    hash::WalkOptions walk;
    walk.include = &outputs_;
    walk.skip_folders = {config_.internal_cache_folder, config_.log_folder};
    std::vector<std::string> staging;
    walk.staging_files = &staging;
    auto files = hash::walk_files(config_.package_root, walk);
    for (const auto& path : staging) {
      if (util::is_stale_staging_name(std::filesystem::path(path).filename().string())) {
        ::unlink((config_.package_root / path).c_str());
      }
    }
    if (!files) {
      Log::warn("cannot list the outputs (" + files.error() + "); nothing stored");
      return std::nullopt;
    }
    return std::move(*files);
  }

  void store_outputs() {
    if (store_unusable_) {
      Log::info(label() + outcome() + ", ran in " + seconds(report_.build_ms) + "; nothing stored");
      return;
    }
    util::Stopwatch storing;
    auto files = list_outputs();
    if (!files) return;
    auto stored = config_.provider == "local-skip" ? record_skip(*files) : put_entry(*files);
    if (!stored) {
      Log::info(label() + outcome() + ", ran in " + seconds(report_.build_ms) + "; nothing stored");
      return;
    }
    report_.put_ms = storing.elapsed_ms();
    if (files->empty() && !config_.output_glob.empty()) {
      Log::warn("outputGlob matched no file in " + config_.package_root.string() +
                "; the entry holds no outputs " + kNoOutputsHint);
    }
    Log::info(label() + outcome() + ", ran in " + seconds(report_.build_ms) + ", " + *stored +
              " in " + seconds(report_.put_ms));
  }

  // The dependencies' key lines the manifest names by digest, for a later `memo explain`.
  void keep_manifest_parts() {
    for (const auto& part : manifest_parts_) store_.keep_manifest_part(part.digest, *part.lines);
  }

  // Returns what was done ("recorded"), or nullopt after saying why nothing was.
  std::optional<std::string> record_skip(const std::vector<hash::WalkedFile>& files) {
    auto recorded =
        skip_store_.record(package_path(), key_, config_.package_root, files, manifest_);
    keep_manifest_parts();
    if (!recorded) {
      Log::warn("cannot record the key (" + recorded.error().message + "); nothing stored");
      return std::nullopt;
    }
    return "recorded";
  }

  std::optional<std::string> put_entry(const std::vector<hash::WalkedFile>& files) {
    if (log_problem_ || !spool_) {
      // A hit would replay less than the run printed.
      Log::warn("cannot keep the command's output (" + log_problem_.value_or("no spool") +
                "); nothing stored");
      return std::nullopt;
    }
    store::Entry entry;
    entry.key = key_;
    entry.package = package_path();
    entry.name = config_.name;
    entry.command = command_;
    entry.manifest = manifest_;
    entry.created = now_utc();
    entry.command_ms = report_.build_ms;
    // Linked or cloned restores want a blob per file; copies read small ones from packs.
    const auto packing = config_.restore_mode == config::RestoreMode::Copy
                             ? store::LocalStore::Packing::SmallFiles
                             : store::LocalStore::Packing::None;
    auto stored = store_.put(std::move(entry), config_.package_root, files, &*spool_, packing);
    if (!stored) {
      Log::warn("cannot store the outputs (" + stored.error().message + ")");
      return std::nullopt;
    }
    keep_manifest_parts();
    remember_outputs(stored->entry.outputs, report_.build_ms, stored->entry.log, &stored->as_read);
    new_bytes_ = stored->new_bytes;
    cache_.upload(artifact_id(), stored->entry);
    if (auto latest = store_.record_latest(package_path(), command_, key_); !latest) {
      Log::verbose("could not record the latest key: " + latest.error().message);
    }
    return "stored " + count_of(files.size(), "file");
  }

  const config::Config& config_;
  const std::string& command_;
  const KeyInputs& inputs_;
  const StepOptions& options_;
  store::Cache& cache_;
  store::LocalStore& store_;  // the cache's local layer: every restore reads from it
  store::LocalSkipStore skip_store_;
  store::OutputState state_;
  store::StoreStats stats_;
  hash::GlobSet outputs_;
  std::string key_;
  std::string manifest_;
  std::vector<hash::ManifestPart> manifest_parts_;
  PerformanceReport report_;
  StepOutcome outcome_;
  exec::OutputChunk pass_on_;                         // where the command's output and replays go
  std::optional<store::LocalStore::LogSpool> spool_;  // the output of a run that may be stored
  std::optional<std::string> log_problem_;            // why it could not be kept
  store::HitSource source_ = store::HitSource::Local;
  bool store_unusable_ = false;
  bool cleared_ = false;
  std::size_t restored_files_ = 0;
  std::size_t restored_shared_ = 0;  // of those, hardlinked or cloned
  std::uint64_t new_bytes_ = 0;      // what the last store added to the store
  std::vector<hash::PendingRecord> records_;
  std::jthread keeping_records_;  // last: joined before anything it uses goes away
};

}  // namespace

std::string_view cache_result_name(CacheResult result) {
  switch (result) {
    case CacheResult::Uncached:
      return "uncached";
    case CacheResult::Miss:
      return "miss";
    case CacheResult::Forced:
      return "forced";
    case CacheResult::HitLocal:
      return "hit-local";
    case CacheResult::HitRemote:
      return "hit-remote";
    case CacheResult::HitIntact:
      return "hit-intact";
  }
  return "uncached";
}

bool is_hit(CacheResult result) {
  return result == CacheResult::HitLocal || result == CacheResult::HitRemote ||
         result == CacheResult::HitIntact;
}

StepOutcome run_cached_step(const config::Config& config, const std::string& command,
                            const KeyInputs& inputs, store::Cache& cache,
                            const StepOptions& options) {
  util::ScopedLogSink sink(options.log);
  return Step(config, command, inputs, cache, options).run();
}

}  // namespace memo::step
