#include "memo/cli/run_command.hpp"

#include "memo/cli/main_command.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "memo/config/loader.hpp"
#include "memo/exec/signals.hpp"
#include "memo/exec/subprocess.hpp"
#include "memo/hash/package_key.hpp"
#include "memo/run/pipeline.hpp"
#include "memo/run/scheduler.hpp"
#include "memo/run/target_graph.hpp"
#include "memo/run/target_output.hpp"
#include "memo/step/cache_setup.hpp"
#include "memo/step/cached_step.hpp"
#include "memo/step/key_inputs.hpp"
#include "memo/util/json.hpp"
#include "memo/util/log.hpp"
#include "memo/util/stopwatch.hpp"

extern char** environ;

namespace memo::cli {

namespace {

namespace fs = std::filesystem;
using util::Log;

std::expected<std::size_t, std::string> concurrency_of(const std::optional<std::string>& text) {
  if (!text) return std::max(1u, std::thread::hardware_concurrency());
  std::size_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value == 0) {
    return std::unexpected("--concurrency " + *text +
                           ": expected a whole number of workers, 1 or more");
  }
  return value;
}

// The environment `npm run <task>` gives a script: the package's and the repo's
// node_modules/.bin first on PATH, and npm's variables for the package and the task.
std::vector<std::string> script_environment(const fs::path& repo_root,
                                            const workspace::WorkspacePackage& package,
                                            const std::string& task, const std::string& script) {
  const fs::path folder = (repo_root / package.folder).lexically_normal();
  std::vector<std::string> environment;
  std::string path =
      (folder / "node_modules/.bin").string() + ":" + (repo_root / "node_modules/.bin").string();
  for (char** variable = environ; *variable; ++variable) {
    std::string_view entry(*variable);
    if (entry.starts_with("PATH=")) {
      path += ":" + std::string(entry.substr(5));
    } else if (!entry.starts_with("npm_lifecycle_") && !entry.starts_with("npm_package_")) {
      environment.emplace_back(entry);
    }
  }
  environment.push_back("PATH=" + path);
  environment.push_back("npm_lifecycle_event=" + task);
  environment.push_back("npm_lifecycle_script=" + script);
  environment.push_back("npm_package_name=" + package.name);
  environment.push_back("npm_package_version=" + package.version);
  environment.push_back("npm_package_json=" + (folder / "package.json").string());
  return environment;
}

// The files changed since `ref` (committed, staged or not, and new ones git does not
// ignore), relative to the repo root.
std::expected<std::vector<std::string>, std::string> files_changed_since(const fs::path& repo_root,
                                                                         const std::string& ref) {
  std::vector<std::string> files;
  const std::vector<std::vector<std::string>> listings{
      {"git", "diff", "--name-only", "--relative", ref, "--"},
      {"git", "ls-files", "--others", "--exclude-standard"}};
  for (const auto& argv : listings) {
    auto listed = exec::capture_output(argv, repo_root);
    if (!listed || listed->exit_code != 0) {
      std::string why = listed ? listed->stderr_text : listed.error();
      while (!why.empty() && why.back() == '\n') why.pop_back();
      return std::unexpected("--since " + ref + ": git cannot compare with it (" + why + ")");
    }
    std::size_t start = 0;
    for (std::size_t end; (end = listed->stdout_text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      if (end > start) files.push_back(listed->stdout_text.substr(start, end - start));
    }
  }
  return files;
}

// What one target came to, for the summary.
struct TargetReport {
  step::StepOutcome outcome;
  bool ran_step = false;  // false: no script, or its config could not be read
  double total_ms = 0;
};

class TaskRun {
 public:
  TaskRun(const Arguments& args, config::Config root_config, workspace::Workspace workspace,
          run::Pipeline pipeline, run::TargetGraph graph, store::Cache& cache)
      : args_(args),
        pipeline_(std::move(pipeline)),
        root_config_(std::move(root_config)),
        workspace_(std::move(workspace)),
        graph_(std::move(graph)),
        cache_(cache),
        session_(root_config_.repo_root),
        printer_(::isatty(STDOUT_FILENO) != 1, ::isatty(STDERR_FILENO) == 1),
        reports_(graph_.targets.size()) {}

  // Each target in order, with its key and whether the cache has it now; runs nothing.
  int dry_run() {
    for (const auto& target : graph_.targets) {
      const std::string id = target.id();
      if (!target.script) {
        std::cout << id << "  (no script)\n";
        continue;
      }
      auto key = key_of(target);
      if (!key) {
        std::cout << id << "  (no key: " << key.error() << ")\n";
        continue;
      }
      auto stored = cache_.local().get(*key);
      const bool hit = stored && *stored;
      std::cout << id << "  " << key->substr(0, 12) << "  " << (hit ? "hit" : "miss") << "  "
                << *target.script << "\n";
    }
    return 0;
  }

  int run(std::size_t concurrency) {
    util::Stopwatch clock;
    run::ScheduleOptions options{.concurrency = concurrency, .keep_going = args_.keep_going};
    run::TargetRun run_one = [this](std::size_t i, const std::function<void()>& release) {
      return run_target(i, release);
    };
    std::function<bool()> stop = [] { return exec::interrupting_signal() != 0; };
    show_status();
    const auto states = run::run_targets(graph_, options, run_one, stop);
    printer_.clear_status();
    summarize(states, clock.elapsed_ms());
    if (args_.summary_file) write_summary(states, clock.elapsed_ms());
    for (std::size_t i = 0; i < states.size(); ++i) {
      if (states[i] == run::TargetState::Failed) {
        const int code = reports_[i].outcome.exit_code;
        return code == 0 ? 1 : code;
      }
    }
    return 0;
  }

 private:
  // "memo run: 4/12 done (3 hits), 2 running, 6 queued" on a terminal's last line.
  void show_status() {
    const std::size_t total = graph_.targets.size();
    const std::size_t done = done_.load(), running = running_.load();
    printer_.set_status("memo run: " + std::to_string(done) + "/" + std::to_string(total) +
                        " done (" + std::to_string(hits_.load()) + " hits), " +
                        std::to_string(running) + " running, " +
                        std::to_string(total - done - running) + " queued");
  }

  bool run_target(std::size_t i, const std::function<void()>& release) {
    ++running_;
    show_status();
    const bool succeeded = run_target_step(i, release);
    if (reports_[i].ran_step && step::is_hit(reports_[i].outcome.result)) ++hits_;
    --running_;
    ++done_;
    show_status();
    return succeeded;
  }

  // `release` lets the target's dependents start once its command succeeded (see
  // run::TargetRun), while the step stores its outputs.
  bool run_target_step(std::size_t i, const std::function<void()>& release) {
    const run::Target& target = graph_.targets[i];
    util::Stopwatch clock;
    run::OutputPrinter::TargetOutput output(printer_,
                                            target.package->name + ":" + target.task + ": ");
    util::ScopedLogSink sink(&output);
    TargetReport& report = reports_[i];
    if (!target.script) return true;  // nothing to run: only an order to keep
    auto config = config_for(target);
    if (!config) {
      Log::error(config.error());
      report.outcome.exit_code = kUsageError;
      return false;
    }
    auto inputs = step::resolve_key_inputs(*config, workspace_, &key_inputs_);
    if (!inputs) {
      Log::error(inputs.error());
      report.outcome.exit_code = kUsageError;
      return false;
    }
    const auto environment =
        script_environment(root_config_.repo_root, *target.package, target.task, *target.script);
    step::StepOptions options{
        .force = args_.force,
        .log = &output,
        .environment = &environment,
        .output = [&output](exec::OutputStream stream,
                            std::string_view bytes) { output.chunk(stream, bytes); },
        .no_stdin = true,
        .session = &session_,
        .on_command_succeeded =
            [&] {
              // The script may have changed its package's files: its dependents hash them again.
              session_.forget(config->package_root);
              release();
            }};
    report.outcome = step::run_cached_step(*config, *target.script, *inputs, cache_, options);
    report.ran_step = true;
    report.total_ms = clock.elapsed_ms();
    if (!step::is_hit(report.outcome.result)) session_.forget(config->package_root);
    return report.outcome.exit_code == 0 && !report.outcome.interrupted;
  }

  std::expected<std::string, std::string> key_of(const run::Target& target) {
    auto config = config_for(target);
    if (!config) return std::unexpected(config.error());
    auto inputs = step::resolve_key_inputs(*config, workspace_, &key_inputs_);
    if (!inputs) return std::unexpected(inputs.error());
    auto key = step::compute_key(*config, *target.script, *inputs, &session_);
    if (!key) return std::unexpected(key.error());
    return key->key;
  }

  // The package's own settings, with what the pipeline says of the task on top.
  std::expected<config::Config, std::string> config_for(const run::Target& target) const {
    const fs::path folder = (root_config_.repo_root / target.package->folder).lexically_normal();
    auto config = config::load_config(folder, args_.flags, config::process_environment());
    if (!config) return config;
    auto add = [](std::vector<std::string>& to, const std::vector<std::string>& more) {
      for (const auto& item : more) {
        if (std::find(to.begin(), to.end(), item) == to.end()) to.push_back(item);
      }
    };
    add(config->environment_glob, pipeline_.environment_glob);
    add(config->env, pipeline_.env);
    const run::TaskSpec& spec = *target.spec;
    if (spec.outputs) config->output_glob = *spec.outputs;
    if (spec.inputs) config->inputs.package = *spec.inputs;
    if (spec.dependency_inputs) config->inputs.deps = *spec.dependency_inputs;
    if (spec.root_inputs) config->inputs.root = *spec.root_inputs;
    add(config->env, spec.env);
    if (!spec.cache) config->mode = config::Mode::Pass;
    return config;
  }

  struct Counts {
    std::size_t targets = 0, local = 0, remote = 0, intact = 0, misses = 0, failed = 0, blocked = 0,
                not_run = 0, without_script = 0;
    double saved_ms = 0;
  };

  Counts count(const std::vector<run::TargetState>& states) const {
    Counts counts;
    counts.targets = states.size();
    for (std::size_t i = 0; i < states.size(); ++i) {
      const auto& report = reports_[i];
      if (states[i] == run::TargetState::Failed) ++counts.failed;
      if (states[i] == run::TargetState::Blocked) ++counts.blocked;
      if (states[i] == run::TargetState::NotRun) ++counts.not_run;
      if (states[i] != run::TargetState::Succeeded) continue;
      if (!graph_.targets[i].script) ++counts.without_script;
      if (!report.ran_step) continue;
      switch (report.outcome.result) {
        case step::CacheResult::HitLocal:
          ++counts.local;
          break;
        case step::CacheResult::HitRemote:
          ++counts.remote;
          break;
        case step::CacheResult::HitIntact:
          ++counts.intact;
          break;
        default:
          ++counts.misses;
      }
      if (step::is_hit(report.outcome.result)) {
        counts.saved_ms += std::max(0.0, report.outcome.command_ms - report.total_ms);
      }
    }
    return counts;
  }

  static std::string seconds(double ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f s", ms / 1000);
    return text;
  }

  void summarize(const std::vector<run::TargetState>& states, double total_ms) const {
    const Counts c = count(states);
    std::string line = "run: " + std::to_string(c.targets) + " targets in " + seconds(total_ms) +
                       ": " + std::to_string(c.local + c.remote + c.intact) + " hits (" +
                       std::to_string(c.local) + " local, " + std::to_string(c.remote) +
                       " remote, " + std::to_string(c.intact) + " intact), " +
                       std::to_string(c.misses) + " misses, " + std::to_string(c.failed) +
                       " failed";
    if (c.blocked) line += ", " + std::to_string(c.blocked) + " not run after a failure";
    if (c.not_run) line += ", " + std::to_string(c.not_run) + " not started";
    if (c.without_script) line += ", " + std::to_string(c.without_script) + " without a script";
    line += "; saved " + seconds(c.saved_ms);
    Log::info(line);
    for (std::size_t i = 0; i < states.size(); ++i) {
      if (states[i] == run::TargetState::Failed) {
        Log::info("failed: " + graph_.targets[i].id() + " (exit " +
                  std::to_string(reports_[i].outcome.exit_code) + ")");
      }
    }
  }

  static const char* state_name(run::TargetState state) {
    switch (state) {
      case run::TargetState::Succeeded:
        return "succeeded";
      case run::TargetState::Failed:
        return "failed";
      case run::TargetState::Blocked:
        return "blocked";
      case run::TargetState::NotRun:
        return "not-run";
    }
    return "not-run";
  }

  void write_summary(const std::vector<run::TargetState>& states, double total_ms) const {
    const Counts c = count(states);
    nlohmann::json targets = nlohmann::json::array();
    for (std::size_t i = 0; i < states.size(); ++i) {
      const auto& target = graph_.targets[i];
      const auto& outcome = reports_[i].outcome;
      nlohmann::json item{{"target", target.id()},
                          {"package", target.package->name},
                          {"task", target.task},
                          {"state", state_name(states[i])},
                          {"script", target.script ? nlohmann::json(*target.script) : nullptr}};
      if (reports_[i].ran_step) {
        item["key"] = outcome.key;
        item["cache"] = std::string(step::cache_result_name(outcome.result));
        item["hit"] = step::is_hit(outcome.result);
        item["exitCode"] = outcome.exit_code;
        item["inputCount"] = outcome.input_count;
        item["hashMs"] = outcome.hash_ms;
        item["fetchMs"] = outcome.fetch_ms;
        item["commandMs"] = outcome.command_ms;
        item["storeMs"] = outcome.store_ms;
        item["totalMs"] = reports_[i].total_ms;
      }
      targets.push_back(std::move(item));
    }
    nlohmann::json summary{
        {"targets", std::move(targets)},
        {"totalMs", total_ms},
        {"hits", {{"local", c.local}, {"remote", c.remote}, {"intact", c.intact}}},
        {"misses", c.misses},
        {"failed", c.failed},
        {"savedMs", c.saved_ms}};
    std::ofstream file(*args_.summary_file);
    file << util::json_text(summary, 2) << "\n";
    if (!file) Log::warn("--summary " + *args_.summary_file + ": cannot write it");
  }

  const Arguments& args_;
  run::Pipeline pipeline_;
  config::Config root_config_;
  workspace::Workspace workspace_;
  run::TargetGraph graph_;
  store::Cache& cache_;
  hash::HashingSession session_;
  step::KeyInputsCache key_inputs_;
  run::OutputPrinter printer_;
  std::vector<TargetReport> reports_;
  std::atomic<std::size_t> done_{0}, running_{0}, hits_{0};
};

}  // namespace

int run_tasks(const Arguments& args, const fs::path& working_directory) {
  if (args.tasks.empty()) return usage_error("memo run needs a task: memo run build [test …]");
  auto config = config::load_config(working_directory, args.flags, config::process_environment());
  if (!config) return usage_error(config.error());
  Log::set_level(config->log_level);
  auto workspace = workspace::discover_workspace(config->repo_root);
  if (!workspace) return usage_error(workspace.error().message);
  for (const auto& warning : workspace->warnings) Log::warn(warning);
  auto pipeline =
      run::load_pipeline(config->repo_root, config->internal_cache_folder / "config-js");
  if (!pipeline) return usage_error(pipeline.error());
  run::Selection selection{args.to, args.scope, args.only};
  if (args.since) {
    auto changed = files_changed_since(config->repo_root, *args.since);
    if (!changed) return usage_error(changed.error());
    auto packages = run::packages_holding(*workspace, *changed);
    if (packages.empty() && selection.to.empty() && selection.scope.empty()) {
      Log::info("run: no package changed since " + *args.since + "; nothing to run");
      return 0;
    }
    selection.scope.insert(selection.scope.end(), packages.begin(), packages.end());
  }
  auto graph = run::build_target_graph(*workspace, *pipeline, args.tasks, selection);
  if (!graph) return usage_error(graph.error());
  auto concurrency = concurrency_of(args.concurrency);
  if (!concurrency) return usage_error(concurrency.error());
  if (args.graph) {
    std::cout << run::target_graph_dot(*graph);
    return 0;
  }
  auto opened = step::OpenedCache::open(*config, args.no_remote);
  if (!opened) return usage_error(opened.error());
  TaskRun run(args, *config, std::move(*workspace), std::move(*pipeline), std::move(*graph),
              (*opened)->cache());
  if (args.dry_run) return run.dry_run();
  const int exit_code = run.run(*concurrency);
  (*opened)->cache().finish_uploads();
  return exit_code;
}

}  // namespace memo::cli
