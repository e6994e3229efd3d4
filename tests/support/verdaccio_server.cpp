#include "support/verdaccio_server.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

namespace memo::testing {

namespace {

std::filesystem::path server_binary() {
  return test_servers_dir() / "verdaccio" / "node_modules" / ".bin" / "verdaccio";
}

// The body of a request sent with curl(1), or "" when it failed.
std::string curl_put_json(const std::string& url, const std::string& json,
                          const std::filesystem::path& scratch) {
  write_file(scratch, json);
  std::string command =
      "curl -s -m 10 -X PUT -H 'Content-Type: application/json' --data-binary @'" +
      scratch.string() + "' '" + url + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "";
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

}  // namespace

VerdaccioServer& VerdaccioServer::shared() {
  static VerdaccioServer server;
  return server;
}

VerdaccioServer::VerdaccioServer() : port_(free_port()) {
  write_config();
  if (start()) {
    token_ = add_user(user_, password_);
    if (token_.empty()) problem_ = "Verdaccio made no user; its log: " + (dir_ / "log").string();
  }
}

VerdaccioServer::~VerdaccioServer() = default;

std::string VerdaccioServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/";
}

std::string VerdaccioServer::npmrc_prefix() const {
  return "//127.0.0.1:" + std::to_string(port_) + "/";
}

void VerdaccioServer::write_config() const {
  const std::string storage = (dir_ / "storage").string();
  const std::string htpasswd = (dir_ / "htpasswd").string();
  write_file(dir_ / "config.yaml", "storage: " + storage +
                                       "\n"
                                       "auth:\n"
                                       "  htpasswd:\n"
                                       "    file: " +
                                       htpasswd +
                                       "\n"
                                       "    max_users: 100\n"
                                       "uplinks: {}\n"
                                       "packages:\n"
                                       "  '@locked/*':\n"
                                       "    access: $all\n"
                                       "    publish: nobody-may-publish-here\n"
                                       "  '@private/*':\n"
                                       "    access: $authenticated\n"
                                       "    publish: $authenticated\n"
                                       "  '@*/*':\n"
                                       "    access: $all\n"
                                       "    publish: $authenticated\n"
                                       "  '**':\n"
                                       "    access: $all\n"
                                       "    publish: $authenticated\n"
                                       "max_body_size: 200mb\n"
                                       "web:\n"
                                       "  enable: false\n"
                                       "log: { type: stdout, format: pretty, level: warn }\n");
}

bool VerdaccioServer::start() {
  if (process_ && process_->running()) return true;
  if (!std::filesystem::exists(server_binary())) {
    problem_ = server_binary().string() + " is missing: run scripts/install-test-servers.sh";
    return false;
  }
  process_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{server_binary().string(), "--config",
                               (dir_ / "config.yaml").string(), "--listen",
                               "127.0.0.1:" + std::to_string(port_)},
      dir_ / "log");
  if (!process_->wait_until_answers(url() + "-/ping", std::chrono::seconds(30), 200)) {
    problem_ = "Verdaccio did not start; its log: " + (dir_ / "log").string();
    process_.reset();
    return false;
  }
  problem_.clear();
  return true;
}

void VerdaccioServer::stop() {
  process_.reset();
}

std::string VerdaccioServer::add_user(const std::string& name, const std::string& password) {
  const std::string body = nlohmann::json{{"name", name}, {"password", password}}.dump();
  auto answer = nlohmann::json::parse(
      curl_put_json(url() + "-/user/org.couchdb.user:" + name, body, dir_ / "user.json"), nullptr,
      false);
  if (answer.is_discarded() || !answer.contains("token") || !answer["token"].is_string()) return "";
  return answer["token"].get<std::string>();
}

std::filesystem::path VerdaccioServer::tarball_path(const std::string& package,
                                                    const std::string& version) const {
  const std::string basename = package.substr(package.find('/') + 1);
  return dir_ / "storage" / package / (basename + "-" + version + ".tgz");
}

void VerdaccioServer::corrupt(const std::string& package, const std::string& version) const {
  std::fstream file(tarball_path(package, version),
                    std::ios::in | std::ios::out | std::ios::binary);
  char byte = 0;
  file.seekg(0);
  file.get(byte);
  file.seekp(0);
  file.put(static_cast<char>(byte ^ 0x5a));
}

}  // namespace memo::testing
