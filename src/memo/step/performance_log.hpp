#pragma once

#include <filesystem>
#include <string>

namespace memo::step {

// What backfill writes with producePerformanceLogs, one JSON file per run in logFolder, so
// existing dashboards keep working: perf-<name>-<timestamp>.json.
struct PerformanceReport {
  std::string name;
  std::string hash;
  std::string provider;
  std::string mode;
  bool hit = false;
  std::string hit_source;  // "local" or "remote" on a hit
  double hash_ms = 0;
  double download_ms = 0;  // of a remote hit's artifact
  double fetch_ms = 0;
  double build_ms = 0;
  double put_ms = 0;
  double total_ms = 0;  // from main() to the log: memo's own time plus the command's
};

// Failures to write are warnings: a log never breaks a build.
void write_performance_log(const std::filesystem::path& log_folder,
                           const PerformanceReport& report);

}  // namespace memo::step
