#include "support/swift_server.hpp"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "memo/store/remote/http_client.hpp"
#include "memo/store/remote/s3_object_name.hpp"
#include "memo/store/remote/s3_xml.hpp"
#include "memo/util/digest.hpp"
#include "memo/util/environment.hpp"

namespace memo::testing {

namespace {

namespace fs = std::filesystem;
namespace remote = memo::store::remote;
using namespace std::chrono_literals;

constexpr char kAdminSecret[] = "swift-admin-secret";
constexpr char kReaderSecret[] = "swift-reader-secret";

// Builds the three rings (one device, one replica) in one Python run: swift-ring-builder
// would take nine runs, four seconds.
constexpr char kRingScript[] = R"(import sys
from swift.common.ring import RingBuilder
folder = sys.argv[1]
for name, port in zip(("account", "container", "object"), sys.argv[2:5]):
    builder = RingBuilder(4, 1, 0)
    builder.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port),
                     "device": "d1", "weight": 1})
    builder.rebalance()
    builder.get_ring().save(folder + "/" + name + ".ring.gz")
)";

// The middleware every filter in the proxy's pipeline names, from Swift's own eggs.
constexpr char kProxyFilters[] = R"(
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:s3api]
use = egg:swift#s3api
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
)";

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string common_settings(const fs::path& dir, int port) {
  std::ostringstream conf;
  conf << "[DEFAULT]\n"
       << "swift_dir = " << dir.string() << "\n"
       << "devices = " << (dir / "devices").string() << "\n"
       << "mount_check = false\n"
       << "bind_ip = 127.0.0.1\n"
       << "bind_port = " << port << "\n"
       << "workers = 0\n"
       << "log_level = WARNING\n";
  return conf.str();
}

// The interpreter Debian's Swift scripts run with (their "#!" line), which has Swift's modules;
// the python3 first on PATH may be another one.
std::vector<std::string> swift_python() {
  std::string path = util::env_value("PATH").value_or("/usr/bin:/bin");
  std::stringstream folders(path);
  for (std::string folder; std::getline(folders, folder, ':');) {
    std::ifstream script(fs::path(folder) / "swift-ring-builder");
    std::string line;
    if (!script || !std::getline(script, line) || !line.starts_with("#!")) continue;
    std::vector<std::string> words;
    std::stringstream split(line.substr(2));
    for (std::string word; split >> word;) words.push_back(word);
    if (!words.empty()) return words;
  }
  throw std::runtime_error(
      "swift-ring-builder is not on PATH: run scripts/install-test-servers.sh");
}

std::string shell_quoted(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Four ports nothing listens on, all different.
std::vector<int> four_free_ports() {
  std::set<int> ports;
  while (ports.size() < 4) ports.insert(free_port());
  return {ports.begin(), ports.end()};
}

}  // namespace

SwiftServer& SwiftServer::shared() {
  static SwiftServer server;
  return server;
}

SwiftServer::SwiftServer() {
  auto ports = four_free_ports();
  proxy_port_ = ports[0];
  account_port_ = ports[1];
  container_port_ = ports[2];
  object_port_ = ports[3];
  fs::create_directories(dir_ / "devices" / "d1");
  write_configs();
  build_rings();
  start();
}

SwiftServer::~SwiftServer() {
  stop();
}

std::string SwiftServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(proxy_port_);
}

S3User SwiftServer::admin() {
  return {"ci:tester", kAdminSecret};
}

S3User SwiftServer::reader() {
  return {"ci:reader", kReaderSecret};
}

void SwiftServer::write_configs() const {
  write_text(dir_ / "swift.conf",
             "[swift-hash]\nswift_hash_path_suffix = memo-test\nswift_hash_path_prefix = "
             "memo-test\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n");
  for (auto [name, port] :
       {std::pair{"account", account_port_}, std::pair{"container", container_port_},
        std::pair{"object", object_port_}}) {
    write_text(dir_ / (std::string(name) + "-server.conf"),
               common_settings(dir_.path(), port) + "[pipeline:main]\npipeline = " + name +
                   "-server\n[app:" + name + "-server]\nuse = egg:swift#" + name + "\n");
  }
  write_text(dir_ / "proxy-server.conf", common_settings(dir_.path(), proxy_port_) + kProxyFilters +
                                             "[filter:tempauth]\nuse = egg:swift#tempauth\n" +
                                             "user_ci_tester = " + kAdminSecret + " .admin\n" +
                                             "user_ci_reader = " + kReaderSecret + "\n");
}

void SwiftServer::build_rings() const {
  write_text(dir_ / "rings.py", kRingScript);
  std::string command;
  for (const auto& word : swift_python()) command += shell_quoted(word) + " ";
  command += shell_quoted((dir_ / "rings.py").string()) + " " + shell_quoted(dir_.path()) + " " +
             std::to_string(account_port_) + " " + std::to_string(container_port_) + " " +
             std::to_string(object_port_) + " > " + shell_quoted((dir_ / "rings.log").string()) +
             " 2>&1";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("building Swift's rings failed: " + read_file(dir_ / "rings.log"));
  }
}

void SwiftServer::start() {
  if (!daemons_.empty()) return;
  struct Daemon {
    std::string name;
    int port;
    const char* probe;
  };
  const Daemon daemons[] = {{"account", account_port_, "/"},
                            {"container", container_port_, "/"},
                            {"object", object_port_, "/"},
                            {"proxy", proxy_port_, "/healthcheck"}};
  for (const auto& daemon : daemons) {
    daemons_.push_back(std::make_unique<ServerProcess>(
        std::vector<std::string>{"swift-" + daemon.name + "-server",
                                 (dir_ / (daemon.name + "-server.conf")).string(), "-v"},
        dir_ / (daemon.name + ".log")));
  }
  for (std::size_t i = 0; i < daemons_.size(); ++i) {
    const std::string url =
        "http://127.0.0.1:" + std::to_string(daemons[i].port) + daemons[i].probe;
    if (!daemons_[i]->wait_until_answers(url, 90s)) {
      const std::string log = read_file(dir_ / (daemons[i].name + ".log"));
      stop();
      throw std::runtime_error("Swift's " + daemons[i].name + " server did not start: " + log);
    }
  }
}

void SwiftServer::stop() {
  for (auto& daemon : daemons_) daemon->stop();
  daemons_.clear();
}

namespace {

// Keeps a whole object: a response's own body is cut short.
class Collector : public remote::ArtifactSink {
 public:
  bool expect(std::optional<std::uint64_t>) override { return true; }
  bool write(std::string_view bytes) override {
    collected.append(bytes);
    return true;
  }
  std::string collected;
};

remote::HttpResponse admin_request(const std::string& method, const std::string& url,
                                   const std::string& body = "",
                                   std::vector<std::string> headers = {},
                                   remote::ArtifactSink* sink = nullptr) {
  remote::HttpRequest request{.method = method, .url = url};
  request.sink = sink;
  request.headers = std::move(headers);
  request.headers.push_back("x-amz-content-sha256: " + util::sha256_hex(body));
  request.body = body;
  request.aws_sigv4 = "aws:amz:" + SwiftServer::region() + ":s3";
  request.username = SwiftServer::admin().access_key;
  request.password = SwiftServer::admin().secret_key;
  auto response = remote::http_perform(request, {});
  if (!response) throw std::runtime_error(method + " " + url + ": " + response.error().message);
  return *response;
}

void expect_success(const remote::HttpResponse& response, const std::string& what) {
  if (response.status < 200 || response.status >= 300) {
    throw std::runtime_error(what + " answered " + std::to_string(response.status) + ": " +
                             response.body);
  }
}

}  // namespace

void SwiftServer::create_bucket(const std::string& bucket, bool readable) {
  std::vector<std::string> headers;
  if (readable) headers.push_back("x-amz-acl: public-read");
  expect_success(admin_request("PUT", endpoint() + "/" + bucket, "", headers),
                 "creating bucket " + bucket);
}

std::optional<std::string> SwiftServer::get_object(const std::string& bucket,
                                                   const std::string& name) {
  Collector object;
  auto response = admin_request("GET", endpoint() + "/" + bucket + "/" + remote::s3_url_path(name),
                                "", {}, &object);
  if (response.status == 404) return std::nullopt;
  expect_success(response, "GET " + name);
  return object.collected;
}

void SwiftServer::put_object(const std::string& bucket, const std::string& name,
                             const std::string& bytes) {
  expect_success(
      admin_request("PUT", endpoint() + "/" + bucket + "/" + remote::s3_url_path(name), bytes),
      "PUT " + name);
}

void SwiftServer::delete_object(const std::string& bucket, const std::string& name) {
  expect_success(
      admin_request("DELETE", endpoint() + "/" + bucket + "/" + remote::s3_url_path(name)),
      "DELETE " + name);
}

std::optional<std::string> SwiftServer::etag(const std::string& bucket, const std::string& name) {
  auto response =
      admin_request("HEAD", endpoint() + "/" + bucket + "/" + remote::s3_url_path(name));
  if (response.status == 404) return std::nullopt;
  expect_success(response, "HEAD " + name);
  return response.header("etag");
}

std::size_t SwiftServer::unfinished_uploads(const std::string& bucket) {
  auto response = admin_request("GET", endpoint() + "/" + bucket + "?uploads=");
  expect_success(response, "listing the uploads of " + bucket);
  std::size_t count = 0;
  for (auto at = response.body.find("<Upload>"); at != std::string::npos;
       at = response.body.find("<Upload>", at + 1)) {
    ++count;
  }
  return count;
}

std::vector<std::string> SwiftServer::list_objects(const std::string& bucket,
                                                   const std::string& prefix) {
  auto response = admin_request(
      "GET", endpoint() + "/" + bucket + "?list-type=2&prefix=" + remote::url_encode(prefix));
  expect_success(response, "listing " + bucket);
  std::vector<std::string> names;
  std::string_view rest = response.body;
  for (auto at = rest.find("<Key>"); at != std::string_view::npos; at = rest.find("<Key>")) {
    rest.remove_prefix(at);
    names.push_back(remote::xml_element_text(rest, "Key"));
    rest.remove_prefix(5);
  }
  return names;
}

}  // namespace memo::testing
