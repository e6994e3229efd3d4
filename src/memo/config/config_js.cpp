#include "memo/config/config_js.hpp"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "memo/config/config_js_evaluator.hpp"
#include "memo/config/config_js_record.hpp"
#include "memo/exec/subprocess.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/log.hpp"

namespace memo::config {

namespace {

using json = nlohmann::json;

constexpr const char* kTimeoutVariable = "MEMO_CONFIG_TIMEOUT";
constexpr std::string_view kDefaultTimeoutSeconds = "30";
constexpr double kLongestTimeoutSeconds = 24 * 60 * 60;

struct Timeout {
  std::chrono::milliseconds duration;
  std::string seconds;  // as the user wrote it, for the error
};

// MEMO_CONFIG_TIMEOUT: how long node may take, in seconds (30 when unset or
// empty).
std::expected<Timeout, std::string> config_timeout() {
  const char* set = std::getenv(kTimeoutVariable);
  std::string_view text = set && *set ? set : kDefaultTimeoutSeconds;
  double seconds = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds <= 0) {
    return std::unexpected(std::string(kTimeoutVariable) +
                           ": expected a positive number of seconds, got \"" + std::string(text) +
                           "\"");
  }
  auto milliseconds = std::ceil(std::min(seconds, kLongestTimeoutSeconds) * 1000);
  return Timeout{std::chrono::milliseconds(static_cast<long long>(milliseconds)),
                 std::string(text)};
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::vector<std::string> strings_in(const json& answer, const char* key) {
  std::vector<std::string> strings;
  auto found = answer.find(key);
  if (found == answer.end() || !found->is_array()) return strings;
  for (const auto& item : *found) {
    if (item.is_string()) strings.push_back(item.get<std::string>());
  }
  return strings;
}

std::vector<Probe> probes_in(const json& answer) {
  std::vector<Probe> probes;
  auto found = answer.find("probes");
  if (found == answer.end() || !found->is_array()) return probes;
  for (const auto& item : *found) {
    if (!item.is_array() || item.size() != 3 || !item[0].is_string() || !item[1].is_string()) {
      continue;
    }
    std::optional<std::string> observed;
    if (item[2].is_string()) observed = item[2].get<std::string>();
    probes.push_back({item[0].get<std::string>(), item[1].get<std::string>(), observed});
  }
  return probes;
}

// The evaluator's answer, checked for depth before it is parsed.
std::expected<Evaluation, std::string> read_answer(const std::string& text) {
  if (nested_deeper_than(text, kMaxConfigDepth + 1)) {
    return std::unexpected("its result is nested more than " + std::to_string(kMaxConfigDepth) +
                           " levels deep");
  }
  json answer = json::parse(text, nullptr, false);
  if (!answer.is_object()) return std::unexpected("node gave no answer memo understands");
  if (auto error = answer.find("error"); error != answer.end()) {
    // One line: node's messages can go on ("Require stack:\n- ...").
    return std::unexpected(
        first_line(error->is_string() ? error->get<std::string>() : error->dump()));
  }
  if (!answer.contains("config")) return std::unexpected("node gave no answer memo understands");
  Evaluation evaluation;
  evaluation.config = std::move(answer["config"]);
  evaluation.env_read = strings_in(answer, "env");
  evaluation.env_listed = answer.value("envListed", json(false)) == true;
  evaluation.env_written = strings_in(answer, "envWritten");
  evaluation.probes = probes_in(answer);
  evaluation.cwd_read = answer.value("cwd", json(false)) == true;
  evaluation.uncacheable = strings_in(answer, "uncacheable");
  if (!answer.contains("uncacheable")) evaluation.uncacheable.push_back("the answer is incomplete");
  return evaluation;
}

std::string why_no_answer(const exec::CapturedOutput& output) {
  if (output.exit_code > 128) {
    return "node was killed by signal " + std::to_string(output.exit_code - 128) +
           " before it gave a result";
  }
  return "node exited with code " + std::to_string(output.exit_code) + " before it gave a result";
}

// Runs the evaluator; its output goes to memo's stderr, its answer comes on
// descriptor 3.
std::expected<Evaluation, std::string> run_evaluator(const fs::path& file,
                                                     const fs::path& working_directory,
                                                     const std::string& salt,
                                                     const Timeout& timeout) {
  util::Log::verbose("evaluating " + file.string() + " with node");
  auto output = exec::capture_output(
      {"node", "-e", kConfigJsEvaluator, "--", file.string(), salt}, working_directory,
      {.output_to_stderr = true, .result_channel = true, .timeout = timeout.duration});
  if (!output) {
    return std::unexpected(file.string() + ": cannot run node to read it (" + output.error() +
                           "); install Node.js or use memo.json instead");
  }
  if (output->timed_out) {
    return std::unexpected(file.string() + ": node was still evaluating it after " +
                           timeout.seconds + " s and was stopped (with whatever it started); " +
                           kTimeoutVariable + " sets the limit in seconds");
  }
  if (output->channel_text.empty()) {
    return std::unexpected(file.string() + ": " + why_no_answer(*output));
  }
  auto evaluation = read_answer(output->channel_text);
  if (!evaluation) return std::unexpected(file.string() + ": " + evaluation.error());
  return evaluation;
}

std::optional<json> cached_config(const fs::path& cache_file, const fs::path& working_directory) {
  auto record = util::read_file(cache_file);
  if (!record) return std::nullopt;
  return reuse_record(*record, working_directory);
}

std::expected<void, std::string> save_privately(const fs::path& cache_file,
                                                const std::string& record) {
  auto file = util::AtomicFile::create(cache_file, 0600);
  if (!file) return std::unexpected(file.error());
  if (auto written = file->write(record.data(), record.size()); !written) return written;
  return file->commit();
}

// Keeps the record (0600: it names what the config read) or, when the
// evaluation must not be reused, removes an older one.
void keep_record(const fs::path& file, const fs::path& cache_file,
                 const std::expected<std::string, std::string>& record) {
  if (!record) {
    util::Log::verbose("not caching the evaluation of " + file.string() + ": " + record.error());
    ::unlink(cache_file.c_str());
    return;
  }
  if (auto saved = save_privately(cache_file, *record); !saved) {
    util::Log::verbose("could not cache the evaluation of " + file.string() + ": " + saved.error());
  }
}

}  // namespace

std::expected<json, std::string> evaluate_config_js(const fs::path& file,
                                                    const fs::path& working_directory,
                                                    const fs::path& cache_dir) {
  auto timeout = config_timeout();
  if (!timeout) return std::unexpected(timeout.error());
  auto source = util::read_file(file);
  if (!source) return std::unexpected(source.error());
  const fs::path cache_file =
      cache_dir / (util::sha256_hex(file.string() + '\0' + *source) + ".json");
  if (auto cached = cached_config(cache_file, working_directory)) return *cached;

  const std::string salt = new_salt();
  auto evaluation = run_evaluator(file, working_directory, salt, *timeout);
  if (!evaluation) return std::unexpected(evaluation.error());
  if (!evaluation->config.is_object()) {
    return std::unexpected(file.string() + ": module.exports must be an object");
  }
  keep_record(file, cache_file, make_record(*evaluation, working_directory, salt));
  return std::move(evaluation->config);
}

}  // namespace memo::config
