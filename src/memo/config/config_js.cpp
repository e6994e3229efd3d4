#include "memo/config/config_js.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "memo/config/config_js_record.hpp"
#include "memo/exec/subprocess.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/log.hpp"

namespace memo::config {

namespace {

// Runs inside node: requires the config with process.env and process.cwd instrumented, and
// writes {config, env, files, cwd} as JSON (or {error}) on descriptor 3, even when the config
// calls process.exit(0); an exported promise is awaited. Functions become {"$function": name} so
// memo can say which setting it cannot use.
constexpr const char* kEvaluator = R"JS(
const [, file] = process.argv;
const fs = require('fs');
const Module = require('module');
const stringify = JSON.stringify;
const parse = JSON.parse;
const writeSync = fs.writeSync;
const exit = process.exit;
const envRead = new Set();
let cwdRead = false;
let envListed = false;
const realEnv = process.env;
process.env = new Proxy(realEnv, {
  get(target, name) { if (typeof name === 'string') envRead.add(name); return target[name]; },
  has(target, name) { if (typeof name === 'string') envRead.add(name); return name in target; },
  ownKeys(target) { envListed = true; return Reflect.ownKeys(target); },
});
const realCwd = process.cwd;
process.cwd = () => { cwdRead = true; return realCwd.call(process); };

// The answer goes on descriptor 3, so that what the config prints cannot corrupt it.
let sent = false;
function send(answer) {
  if (sent) return;
  sent = true;
  const bytes = Buffer.from(stringify(answer));
  try {
    for (let offset = 0; offset < bytes.length;) offset += writeSync(3, bytes, offset);
  } catch {
    // The config closed the channel: memo says it got no answer.
  }
}

function describe(error) {
  const where = error && error.stack ? String(error.stack).split('\n')[0] : '';
  return (error && error.message ? error.message : String(error)) +
      (error instanceof SyntaxError && where ? ' (' + where + ')' : '');
}

// The result as JSON. V8 gives up on a structure thousands of levels deep; memo refuses any
// deeper than its own limit (and checks that itself).
function serialize(exported) {
  const marked = (key, value) =>
      typeof value === 'function' ? { $function: key || 'module.exports' } : value;
  try {
    return stringify(exported === undefined ? {} : exported, marked);
  } catch (error) {
    // 64: memo's kMaxConfigDepth.
    if (error instanceof RangeError) throw new Error('its result is nested more than 64 levels deep');
    throw error;
  }
}

function answer(exported) {
  try {
    const config = parse(serialize(withoutModuleWrapper(exported)));
    send({ config, env: [...envRead], envListed, files: Object.keys(require.cache), cwd: cwdRead });
  } catch (error) {
    send({ error: describe(error) });
  }
}

function withoutModuleWrapper(exported) {
  return exported && exported.__esModule && 'default' in exported ? exported.default : exported;
}

// process.exit(0) while the config loads keeps what it exported so far, as in backfill. A
// promise (lage allows one) is awaited.
let resolved;
let pending = false;
process.on('exit', (code) => {
  if (sent) return;
  if (pending) return send({ error: 'it exported a promise that never settled' });
  if (code !== 0) return send({ error: `it called process.exit(${code})` });
  const loaded = resolved && Module._cache[resolved];
  answer(loaded ? loaded.exports : undefined);
});
process.on('uncaughtException', (error) => {
  send({ error: describe(error) });
  exit.call(process, 0);
});
function awaitExport(promise) {
  pending = true;
  Promise.resolve(promise).then((value) => {
    pending = false;
    answer(value);
    exit.call(process, 0);
  }, (error) => {
    pending = false;
    send({ error: 'its promise was rejected: ' + describe(error) });
    exit.call(process, 0);
  });
}
try {
  resolved = require.resolve(file);
  const exported = withoutModuleWrapper(require(file));
  if (exported && typeof exported.then === 'function') {
    awaitExport(exported);
  } else {
    answer(exported);
    exit.call(process, 0);
  }
} catch (error) {
  send({ error: describe(error) });
  exit.call(process, 0);
}
)JS";

std::string digest_of_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? util::sha256_hex(value) : "unset";
}

std::string digest_of_file(const std::string& path) {
  auto content = util::read_file(path);
  return content ? util::sha256_hex(*content) : "missing";
}

bool cached_result_is_current(const nlohmann::json& cached, const fs::path& working_directory) {
  if (!cached.is_object() || !cached.contains("config")) return false;
  // Named, not iterated as temporaries: items() would outlive them (g++ 12 has no P2718).
  const nlohmann::json env = cached.value("env", nlohmann::json::object());
  const nlohmann::json files = cached.value("files", nlohmann::json::object());
  for (const auto& [name, digest] : env.items()) {
    if (digest != digest_of_env(name)) return false;
  }
  for (const auto& [path, digest] : files.items()) {
    if (digest != digest_of_file(path)) return false;
  }
  if (cached.contains("cwd") && cached["cwd"] != working_directory.string()) return false;
  return true;
}

constexpr const char* kTimeoutVariable = "MEMO_CONFIG_TIMEOUT";
constexpr std::string_view kDefaultTimeoutSeconds = "30";
constexpr double kLongestTimeoutSeconds = 24 * 60 * 60;

struct Timeout {
  std::chrono::milliseconds duration;
  std::string seconds;  // as the user wrote it, for the error
};

// MEMO_CONFIG_TIMEOUT: how long node may take, in seconds (30 when unset or empty).
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

std::string why_no_answer(const exec::CapturedOutput& output) {
  if (output.exit_code > 128) {
    return "node was killed by signal " + std::to_string(output.exit_code - 128) +
           " before it gave a result";
  }
  return "node exited with code " + std::to_string(output.exit_code) + " before it gave a result";
}

// Runs the evaluator in `working_directory`. What the config prints goes to memo's stderr; the
// evaluator's answer comes on descriptor 3: {config, ...} or {error}.
std::expected<nlohmann::json, std::string> run_evaluator(const fs::path& file,
                                                         const fs::path& working_directory,
                                                         const Timeout& timeout) {
  util::Log::verbose("evaluating " + file.string() + " with node");
  auto output = exec::capture_output(
      {"node", "-e", kEvaluator, "--", file.string()}, working_directory,
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
  // Checked before it is parsed: memo's own walks of a result are recursive.
  if (nested_deeper_than(output->channel_text, kMaxConfigDepth + 1)) {
    return std::unexpected(file.string() + ": its result is nested more than " +
                           std::to_string(kMaxConfigDepth) + " levels deep");
  }
  auto answer = nlohmann::json::parse(output->channel_text, nullptr, false);
  if (!answer.is_object() || !(answer.contains("config") || answer.contains("error"))) {
    return std::unexpected(file.string() + ": node gave no answer memo understands");
  }
  if (answer.contains("error")) {
    const auto& error = answer["error"];
    // One line: node's messages can go on ("Require stack:\n- ...").
    return std::unexpected(file.string() + ": " +
                           first_line(error.is_string() ? error.get<std::string>() : error.dump()));
  }
  return answer;
}

}  // namespace

std::expected<nlohmann::json, std::string> evaluate_config_js(const fs::path& file,
                                                              const fs::path& working_directory,
                                                              const fs::path& cache_dir) {
  auto timeout = config_timeout();
  if (!timeout) return std::unexpected(timeout.error());
  auto source = util::read_file(file);
  if (!source) return std::unexpected(source.error());
  const fs::path cache_file =
      cache_dir / (util::sha256_hex(file.string() + '\0' + *source) + ".json");

  if (auto cached_text = util::read_file(cache_file);
      cached_text && !nested_deeper_than(*cached_text, kMaxConfigDepth + 1)) {
    auto cached = nlohmann::json::parse(*cached_text, nullptr, false);
    if (cached_result_is_current(cached, working_directory)) return cached["config"];
  }

  auto answer = run_evaluator(file, working_directory, *timeout);
  if (!answer) return std::unexpected(answer.error());
  nlohmann::json parsed = std::move(*answer);
  if (!parsed["config"].is_object()) {
    return std::unexpected(file.string() + ": module.exports must be an object");
  }

  if (!parsed.value("envListed", false)) {
    nlohmann::json record;
    record["config"] = parsed["config"];
    record["env"] = nlohmann::json::object();
    for (const auto& name : parsed["env"]) {
      record["env"][name.get<std::string>()] = digest_of_env(name.get<std::string>());
    }
    record["files"] = nlohmann::json::object();
    for (const auto& path : parsed["files"]) {
      record["files"][path.get<std::string>()] = digest_of_file(path.get<std::string>());
    }
    if (parsed.value("cwd", false)) record["cwd"] = working_directory.string();
    if (auto saved = util::write_file_atomically(cache_file, record.dump()); !saved) {
      util::Log::verbose("could not cache the evaluated config: " + saved.error());
    }
  }
  return parsed["config"];
}

}  // namespace memo::config
