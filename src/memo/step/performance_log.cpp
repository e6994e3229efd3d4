#include "memo/step/performance_log.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>
#include <ctime>

#include "memo/util/files.hpp"
#include "memo/util/json.hpp"
#include "memo/util/log.hpp"

namespace memo::step {

namespace {

// A name safe in a file name: "@scope/pkg" becomes "scope-pkg".
std::string file_name_part(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (keep)
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  return out.empty() ? "package" : out;
}

}  // namespace

void write_performance_log(const std::filesystem::path& log_folder,
                           const PerformanceReport& report) {
  auto now = std::chrono::system_clock::now();
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H-%M-%S", &utc);

  nlohmann::json json{{"timestamp", millis},
                      {"name", report.name},
                      {"hash", report.hash},
                      {"cacheProvider", report.provider},
                      {"hit", report.hit},
                      {"mode", report.mode},
                      {"hashTime", report.hash_ms},
                      {"fetchTime", report.fetch_ms},
                      {"buildTime", report.build_ms},
                      {"putTime", report.put_ms},
                      {"totalTime", report.total_ms}};
  if (report.hit) json["hitSource"] = report.hit_source;
  if (report.hit_source == "remote") json["downloadTime"] = report.download_ms;
  auto path = log_folder / ("perf-" + file_name_part(report.name) + "-" + stamp + "-" +
                            std::to_string(millis % 1000) + ".json");
  if (auto written = util::write_file_atomically(path, util::json_text(json, 2) + "\n"); !written) {
    util::Log::warn("could not write the performance log: " + written.error());
  }
}

}  // namespace memo::step
