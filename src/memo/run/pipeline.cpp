#include "memo/run/pipeline.hpp"

#include <tuple>

#include "memo/config/config_js.hpp"
#include "memo/util/files.hpp"
#include "memo/util/json.hpp"

namespace memo::run {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::expected<std::vector<std::string>, std::string> strings_of(const json& value,
                                                                const std::string& where) {
  if (!value.is_array()) return std::unexpected(where + " must be an array of strings");
  std::vector<std::string> strings;
  for (const auto& item : value) {
    if (!item.is_string()) return std::unexpected(where + " must be an array of strings");
    strings.push_back(item.get<std::string>());
  }
  return strings;
}

std::expected<TaskSpec, std::string> parse_task(const std::string& name, const json& value) {
  const std::string where = "task \"" + name + "\"";
  if (!value.is_object()) return std::unexpected(where + " must be an object");
  TaskSpec task;
  for (const auto& [field, item] : value.items()) {
    const std::string at = where + ": \"" + field + "\"";
    if (field == "dependsOn" || field == "outputs" || field == "inputs" || field == "env") {
      auto strings = strings_of(item, at);
      if (!strings) return std::unexpected(strings.error());
      if (field == "dependsOn") task.depends_on = std::move(*strings);
      if (field == "outputs") task.outputs = std::move(*strings);
      if (field == "inputs") task.inputs = std::move(*strings);
      if (field == "env") task.env = std::move(*strings);
    } else if (field == "cache") {
      if (!item.is_boolean()) return std::unexpected(at + " must be true or false");
      task.cache = item.get<bool>();
    }  // others (turbo's persistent, outputLogs, …) do not change what memo runs
  }
  return task;
}

}  // namespace

std::expected<Pipeline, std::string> parse_pipeline(const std::string& text, const fs::path& file) {
  auto parsed = util::parse_json(text);
  if (!parsed) return std::unexpected(file.string() + ": " + parsed.error());
  if (!parsed->is_object()) return std::unexpected(file.string() + ": expected a JSON object");
  const char* key = parsed->contains("tasks") ? "tasks" : "pipeline";
  const json& tasks = parsed->value(key, json::object());
  if (!tasks.is_object()) {
    return std::unexpected(file.string() + ": \"" + key + "\" must be an object of tasks");
  }
  Pipeline pipeline;
  pipeline.file = file;
  for (auto [field, into] : {std::pair{"globalDependencies", &pipeline.environment_glob},
                             std::pair{"globalEnv", &pipeline.env}}) {
    if (!parsed->contains(field)) continue;
    auto strings = strings_of((*parsed)[field], std::string("\"") + field + "\"");
    if (!strings) return std::unexpected(file.string() + ": " + strings.error());
    *into = std::move(*strings);
  }
  for (const auto& [name, value] : tasks.items()) {
    // turbo's "pkg#task" keys configure one package's task: that package's own settings.
    auto task = parse_task(name, value);
    if (!task) return std::unexpected(file.string() + ": " + task.error());
    pipeline.tasks.emplace(name, std::move(*task));
  }
  return pipeline;
}

std::expected<Pipeline, std::string> lage_pipeline(const json& exports, const fs::path& file) {
  if (!exports.is_object())
    return std::unexpected(file.string() + ": expected module.exports = {…}");
  const json& tasks = exports.value("pipeline", json::object());
  if (!tasks.is_object()) {
    return std::unexpected(file.string() + ": \"pipeline\" must be an object of tasks");
  }
  std::optional<std::vector<std::string>> output_glob;
  Pipeline pipeline;
  pipeline.file = file;
  const json cache_options = exports.value("cacheOptions", json::object());
  if (cache_options.is_object() && cache_options.contains("outputGlob")) {
    auto globs = strings_of(cache_options["outputGlob"], "cacheOptions.outputGlob");
    if (!globs) return std::unexpected(file.string() + ": " + globs.error());
    output_glob = std::move(*globs);
  }
  if (cache_options.is_object() && cache_options.contains("environmentGlob")) {
    auto globs = strings_of(cache_options["environmentGlob"], "cacheOptions.environmentGlob");
    if (!globs) return std::unexpected(file.string() + ": " + globs.error());
    pipeline.environment_glob = std::move(*globs);
  }
  for (const auto& [name, value] : tasks.items()) {
    // "build": ["^build"] is lage's short form of {"dependsOn": ["^build"]}.
    auto task =
        value.is_array() ? parse_task(name, json{{"dependsOn", value}}) : parse_task(name, value);
    if (!task) return std::unexpected(file.string() + ": " + task.error());
    if (!task->outputs) task->outputs = output_glob;
    pipeline.tasks.emplace(name, std::move(*task));
  }
  return pipeline;
}

std::expected<Pipeline, std::string> mila_pipeline(const std::string& text, const fs::path& file) {
  auto parsed = util::parse_json(text);
  if (!parsed) return std::unexpected(file.string() + ": " + parsed.error());
  const json& targets = parsed->is_object() ? parsed->value("targets", json()) : json();
  if (!targets.is_object()) {
    return std::unexpected(file.string() + ": expected {\"targets\": {\"build\": {…}}}");
  }
  Pipeline pipeline;
  pipeline.file = file;
  for (const auto& [name, value] : targets.items()) {
    const std::string where = file.string() + ": target \"" + name + "\"";
    if (!value.is_object()) return std::unexpected(where + " must be an object");
    TaskSpec task;
    task.depends_on = {"^" + name};
    if (auto script = value.find("script"); script != value.end()) {
      if (!script->is_string()) return std::unexpected(where + ": \"script\" must be a string");
      task.script = script->get<std::string>();
    }
    if (auto cmd = value.find("cmd"); cmd != value.end()) {
      // One command, or several run one after the other.
      auto commands = cmd->is_string()
                          ? std::vector<std::string>{cmd->get<std::string>()}
                          : strings_of(*cmd, "\"cmd\"").value_or(std::vector<std::string>{});
      if (commands.empty())
        return std::unexpected(where + ": \"cmd\" must be a string or an array of strings");
      std::string joined;
      for (const auto& command : commands) joined += (joined.empty() ? "" : " && ") + command;
      task.command = joined;
    }
    const json src = value.value("src", json::object());
    auto globs_at =
        [&](const json& holder, const char* field,
            std::optional<std::vector<std::string>>& into) -> std::expected<void, std::string> {
      if (!holder.is_object() || !holder.contains(field)) return {};
      auto globs = strings_of(holder[field], where + ": \"" + field + "\"");
      if (!globs) return std::unexpected(globs.error());
      into = std::move(*globs);
      return {};
    };
    for (auto [holder, field, into] : {std::tuple{&src, "internals", &task.inputs},
                                       std::tuple{&src, "deps", &task.dependency_inputs},
                                       std::tuple{&src, "root", &task.root_inputs},
                                       std::tuple{&value, "artifacts", &task.outputs}}) {
      if (auto taken = globs_at(*holder, field, *into); !taken)
        return std::unexpected(taken.error());
    }
    pipeline.tasks.emplace(name, std::move(task));
  }
  return pipeline;
}

std::expected<Pipeline, std::string> load_pipeline(const fs::path& repo_root,
                                                   const fs::path& evaluations) {
  for (const char* name : {"memo.json", "turbo.json"}) {
    const fs::path file = repo_root / name;
    auto text = util::read_file(file);
    if (!text) continue;
    auto pipeline = parse_pipeline(*text, file);
    if (!pipeline) return std::unexpected(pipeline.error());
    if (!pipeline->tasks.empty()) return pipeline;
  }
  const fs::path lage = repo_root / "lage.config.js";
  std::error_code error;
  if (fs::is_regular_file(lage, error)) {
    auto exports = config::evaluate_config_js(lage, repo_root, evaluations);
    if (!exports) return std::unexpected(exports.error());
    auto pipeline = lage_pipeline(*exports, lage);
    if (!pipeline || !pipeline->tasks.empty()) return pipeline;
  }
  const fs::path mila = repo_root / "mila.json";
  if (auto text = util::read_file(mila)) {
    auto pipeline = mila_pipeline(*text, mila);
    if (!pipeline || !pipeline->tasks.empty()) return pipeline;
  }
  return std::unexpected("no tasks in " + (repo_root / "memo.json").string() +
                         " (nor in turbo.json, lage.config.js or mila.json): add \"tasks\": "
                         "{\"build\": {\"dependsOn\": [\"^build\"], \"outputs\": [\"lib/**\"]}} to "
                         "memo.json");
}

}  // namespace memo::run
