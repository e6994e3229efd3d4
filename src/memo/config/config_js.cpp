#include "memo/config/config_js.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>

#include "memo/exec/subprocess.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/log.hpp"

namespace memo::config {

namespace {

// Runs inside node: requires the config with process.env and process.cwd instrumented, and
// prints {config, env, files, cwd} as JSON (or {error}). Functions become {"$function": name}
// so memo can say which setting it cannot use.
constexpr const char* kEvaluator = R"JS(
const file = process.argv[1];
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
let out;
try {
  let exported = require(file);
  if (exported && exported.__esModule && 'default' in exported) exported = exported.default;
  const config = JSON.parse(JSON.stringify(exported === undefined ? {} : exported,
      (key, value) => typeof value === 'function' ? { $function: key || 'module.exports' } : value));
  out = { config, env: [...envRead], envListed, files: Object.keys(require.cache), cwd: cwdRead };
} catch (error) {
  const where = error && error.stack ? String(error.stack).split('\n')[0] : '';
  out = { error: (error && error.message ? error.message : String(error)) +
          (error instanceof SyntaxError && where ? ' (' + where + ')' : '') };
}
process.stdout.write(JSON.stringify(out));
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

}  // namespace

std::expected<nlohmann::json, std::string> evaluate_config_js(const fs::path& file,
                                                              const fs::path& working_directory,
                                                              const fs::path& cache_dir) {
  auto source = util::read_file(file);
  if (!source) return std::unexpected(source.error());
  const fs::path cache_file =
      cache_dir / (util::sha256_hex(file.string() + '\0' + *source) + ".json");

  if (auto cached_text = util::read_file(cache_file)) {
    auto cached = nlohmann::json::parse(*cached_text, nullptr, false);
    if (cached_result_is_current(cached, working_directory)) return cached["config"];
  }

  util::Log::verbose("evaluating " + file.string() + " with node");
  auto result = exec::capture_output({"node", "-e", kEvaluator, file.string()}, working_directory);
  if (!result) {
    return std::unexpected(file.string() + ": cannot run node to read it (" + result.error() +
                           "); install Node.js or use memo.json instead");
  }
  auto parsed = nlohmann::json::parse(result->stdout_text, nullptr, false);
  if (result->exit_code != 0 || !parsed.is_object()) {
    std::string detail = result->stderr_text.substr(0, result->stderr_text.find('\n'));
    return std::unexpected(file.string() + ": node could not evaluate it" +
                           (detail.empty() ? "" : ": " + detail));
  }
  if (parsed.contains("error")) {
    // One line: node's messages can go on ("Require stack:\n- ...").
    std::string message = parsed["error"].get<std::string>();
    return std::unexpected(file.string() + ": " + message.substr(0, message.find('\n')));
  }
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
