#include "support/turbo_cache_server.hpp"

#include <chrono>
#include <fstream>
#include <map>

namespace memo::testing {

namespace {

std::filesystem::path turbo_cache_binary() {
  return test_servers_dir() / "turbo-cache" / "node_modules" / ".bin" / "turborepo-remote-cache";
}

}  // namespace

TurboCacheServer& TurboCacheServer::shared() {
  static TurboCacheServer server;
  return server;
}

TurboCacheServer::TurboCacheServer() : port_(free_port()), token_("memo-test-turbo-token") {
  std::filesystem::create_directories(dir_ / "storage");
  start();
}

TurboCacheServer::~TurboCacheServer() = default;

std::string TurboCacheServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

bool TurboCacheServer::start() {
  if (process_ && process_->running()) return true;
  if (!std::filesystem::exists(turbo_cache_binary())) {
    problem_ = turbo_cache_binary().string() + " is missing: run scripts/install-test-servers.sh";
    return false;
  }
  const std::map<std::string, std::string> env = {
      {"HOST", "127.0.0.1"},
      {"PORT", std::to_string(port_)},
      {"STORAGE_PROVIDER", "local"},
      {"STORAGE_PATH", (dir_ / "storage").string()},
      {"STORAGE_PATH_USE_TMP_FOLDER", "false"},
      {"TURBO_TOKEN", token_},
      // Room for the 200 MB bounded-memory upload (the default is 100 MB).
      {"BODY_LIMIT", std::to_string(512 << 20)},
      {"LOG_LEVEL", "warn"},
      {"NODE_ENV", "production"},
  };
  process_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{turbo_cache_binary().string()}, dir_ / "server.log", env);
  if (!process_->wait_until_answers(url() + "/v8/artifacts/status", std::chrono::seconds(30),
                                    200)) {
    problem_ = "turborepo-remote-cache did not start; its log: " + (dir_ / "server.log").string();
    process_.reset();
    return false;
  }
  problem_.clear();
  return true;
}

void TurboCacheServer::stop() {
  process_.reset();
}

std::filesystem::path TurboCacheServer::artifact_path(const std::string& team,
                                                      const std::string& key) const {
  return dir_ / "storage" / team / key;
}

void TurboCacheServer::corrupt(const std::string& team, const std::string& key) const {
  std::fstream file(artifact_path(team, key), std::ios::in | std::ios::out | std::ios::binary);
  char byte = 0;
  file.seekg(0);
  file.get(byte);
  file.seekp(0);
  file.put(static_cast<char>(byte ^ 0x5a));
}

void TurboCacheServer::truncate(const std::string& team, const std::string& key,
                                std::uintmax_t size) const {
  std::filesystem::resize_file(artifact_path(team, key), size);
}

void TurboCacheServer::remove(const std::string& team, const std::string& key) const {
  std::filesystem::remove(artifact_path(team, key));
}

}  // namespace memo::testing
