#include "memo/run/pipeline.hpp"

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
  for (const auto& [name, value] : tasks.items()) {
    // turbo's "pkg#task" keys configure one package's task: that package's own settings.
    auto task = parse_task(name, value);
    if (!task) return std::unexpected(file.string() + ": " + task.error());
    pipeline.tasks.emplace(name, std::move(*task));
  }
  return pipeline;
}

std::expected<Pipeline, std::string> load_pipeline(const fs::path& repo_root) {
  for (const char* name : {"memo.json", "turbo.json"}) {
    const fs::path file = repo_root / name;
    auto text = util::read_file(file);
    if (!text) continue;
    auto pipeline = parse_pipeline(*text, file);
    if (!pipeline) return std::unexpected(pipeline.error());
    if (!pipeline->tasks.empty()) return pipeline;
  }
  return std::unexpected("no tasks in " + (repo_root / "memo.json").string() +
                         " nor in turbo.json: add \"tasks\": {\"build\": {\"dependsOn\": "
                         "[\"^build\"], \"outputs\": [\"lib/**\"]}} to memo.json");
}

}  // namespace memo::run
