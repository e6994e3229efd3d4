#include "memo/store/local_skip_store.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "memo/archive/output_file.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"
#include "memo/util/json.hpp"

namespace memo::store {

LocalSkipStore::LocalSkipStore(std::filesystem::path root) : root_(std::move(root)) {}

std::filesystem::path LocalSkipStore::record_path(const std::string& package) const {
  return root_ / "skip" / util::sha256_hex(package);
}

StoreResult<bool> LocalSkipStore::is_current(const std::string& package, const std::string& key,
                                             const std::filesystem::path& package_root) const {
  auto text = util::read_file(record_path(package));
  if (!text) {
    if (errno == ENOENT) return false;
    return std::unexpected(store_error_from_errno(errno, text.error()));
  }
  auto parsed = util::parse_json(*text);
  const nlohmann::json record = parsed ? std::move(*parsed) : nlohmann::json();
  if (!record.is_object() || !record.contains("key") || !record["key"].is_string() ||
      !record.contains("outputs") || !record["outputs"].is_array()) {
    return std::unexpected(StoreError{StoreError::Kind::Corrupt,
                                      record_path(package).string() + ": malformed record"});
  }
  if (record["key"] != key) return false;
  for (const auto& output : record["outputs"]) {
    if (!output.is_object() || !output.contains("path") || !output["path"].is_string())
      return false;
    std::string path = output["path"];
    if (!archive::is_safe_relative_path(path)) return false;
    struct stat info {};
    if (::lstat((package_root / path).c_str(), &info) != 0) return false;
    if (S_ISREG(info.st_mode) && output.value("size", std::int64_t{-1}) != info.st_size)
      return false;
  }
  return true;
}

StoreResult<void> LocalSkipStore::record(const std::string& package, const std::string& key,
                                         const std::filesystem::path& package_root,
                                         const std::vector<hash::WalkedFile>& outputs,
                                         const std::string& manifest) {
  nlohmann::json record;
  record["package"] = package;
  record["key"] = key;
  record["manifest"] = manifest;
  record["outputs"] = nlohmann::json::array();
  for (const auto& output : outputs) {
    struct stat info {};
    if (::lstat((package_root / output.path).c_str(), &info) != 0) continue;
    record["outputs"].push_back({{"path", output.path}, {"size", info.st_size}});
  }
  if (auto written = util::write_file_atomically(record_path(package), util::json_text(record));
      !written) {
    return std::unexpected(store_error_from_errno(errno, written.error()));
  }
  return {};
}

std::optional<std::pair<std::string, std::string>> LocalSkipStore::last_record(
    const std::string& package) const {
  auto text = util::read_file(record_path(package));
  if (!text) return std::nullopt;
  auto parsed = util::parse_json(*text);
  const nlohmann::json record = parsed ? std::move(*parsed) : nlohmann::json();
  if (!record.is_object() || !record.contains("key") || !record["key"].is_string()) {
    return std::nullopt;
  }
  return std::pair{record["key"].get<std::string>(), record.value("manifest", std::string())};
}

}  // namespace memo::store
