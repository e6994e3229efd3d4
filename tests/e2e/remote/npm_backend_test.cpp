// The npm backend against Verdaccio, a real npm registry: entries published as versions
// "0.0.0-<key>" of one package, as backfill's npm provider does, and read back as tarballs.
#include "memo/store/remote/npm_backend.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "memo/store/remote/backends.hpp"
#include "memo/util/base64.hpp"
#include "support/artifact_streams.hpp"
#include "support/scoped_env.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/verdaccio_server.hpp"

namespace memo::store::remote {
namespace {

using memo::testing::fresh_key;
using memo::testing::id_of;
using memo::testing::random_bytes;
using memo::testing::ScopedEnv;
using memo::testing::StringSink;
using memo::testing::StringSource;
using memo::testing::TempDir;
using memo::testing::VerdaccioServer;
using Kind = RemoteError::Kind;
using std::chrono::steady_clock;

const std::string kSentinelToken = "SENTINEL-npm-token-0d4b7e";
const std::string kSentinelPassword = "SENTINEL-npm-password-91ac";

MadeBackend make(const nlohmann::json& options, const std::filesystem::path& repo_root = {}) {
  BackendSettings settings;
  settings.provider = "npm";
  settings.options = options;
  settings.repo_root = repo_root;
  return make_backend(settings);
}

// An npm tarball the way the artifact writer lays one out for `layout`: package/package.json
// first, then the outputs below package/, gzipped by tar(1).
std::string npm_tarball(const ArtifactLayout& layout, const std::string& output) {
  TempDir dir;
  dir.write("package/package.json", layout.package_json);
  dir.write("package/lib/index.js", output);
  const std::string command = "tar czf '" + (dir / "entry.tgz").string() + "' -C '" +
                              dir.path().string() + "' package/package.json package/lib";
  EXPECT_EQ(std::system(command.c_str()), 0);
  return dir.read("entry.tgz");
}

// A package name no earlier run published, under `scope` ("" for none).
std::string fresh_package(const std::string& scope, const std::string& label) {
  std::string name = "memo-" + label + "-" + fresh_key(label).substr(0, 12);
  return scope.empty() ? name : "@" + scope + "/" + name;
}

class RemoteNpmBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server().start()) << server().problem();
    ASSERT_EQ(server().problem(), "");
  }
  static VerdaccioServer& server() { return VerdaccioServer::shared(); }

  // An .npmrc holding `lines` (each "key=value"), and a backend for `package` that reads it.
  std::unique_ptr<Backend> backend_with_npmrc(const std::string& package,
                                              const std::string& npmrc_text) {
    auto path = dir_.write("npmrc-" + std::to_string(++npmrcs_), npmrc_text);
    auto made = make(
        {{"npmPackageName", package}, {"registryUrl", server().url()}, {"npmrcUserconfig", path}});
    if (!made) {
      ADD_FAILURE() << made.error();
      return nullptr;
    }
    return std::move(*made);
  }
  std::unique_ptr<Backend> publisher(const std::string& package) {
    return backend_with_npmrc(package,
                              server().npmrc_prefix() + ":_authToken=" + server().token() + "\n");
  }

  TempDir dir_;
  int npmrcs_ = 0;
};

// Publishes a real tarball for a fresh key and checks it comes back byte for byte.
void expect_round_trip(Backend& backend, const std::string& package) {
  const std::string key = fresh_key("round-trip");
  const ArtifactLayout layout = backend.layout(id_of(key));
  const std::string tarball = npm_tarball(layout, "module.exports = 42;\n");
  StringSource source(tarball);
  auto put = backend.put(id_of(key), source);
  ASSERT_TRUE(put) << put.error().message;

  auto has = backend.has(id_of(key));
  ASSERT_TRUE(has) << has.error().message;
  EXPECT_TRUE(*has);
  StringSink sink;
  auto got = backend.get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  EXPECT_TRUE(sink.bytes == tarball);
  EXPECT_EQ(
      testing::read_file(VerdaccioServer::shared().tarball_path(package, npm_entry_version(key))),
      tarball);
}

TEST_F(RemoteNpmBackend, TheLayoutIsAnNpmTarballWithItsPackageJsonFirst) {
  auto backend = publisher("@acme/cache");
  ASSERT_TRUE(backend);
  const std::string key(64, 'a');
  ArtifactLayout layout = backend->layout(id_of(key));
  EXPECT_EQ(layout.compression, ArtifactLayout::Compression::Gzip);
  EXPECT_EQ(layout.prefix, "package/");
  auto manifest = nlohmann::json::parse(layout.package_json);
  EXPECT_EQ(manifest["name"], "@acme/cache");
  EXPECT_EQ(manifest["version"], "0.0.0-" + key);
  EXPECT_NE(manifest["description"].get<std::string>().find("memo cache entry"), std::string::npos);
}

TEST_F(RemoteNpmBackend, AnUnscopedPackageGoesUpAndComesBack) {
  const std::string package = fresh_package("", "unscoped");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  expect_round_trip(*backend, package);
}

TEST_F(RemoteNpmBackend, AScopedPackageGoesUpAndComesBack) {
  const std::string package = fresh_package("acme", "scoped");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  expect_round_trip(*backend, package);
  // A second entry is a second version of the same package.
  expect_round_trip(*backend, package);
}

TEST_F(RemoteNpmBackend, ABigEntryComesBackByteForByte) {
  const std::string package = fresh_package("", "big");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  const std::string key = fresh_key("big");
  const std::string bytes = random_bytes(30 << 20, 21);
  StringSource source(bytes);
  auto put = backend->put(id_of(key), source);
  ASSERT_TRUE(put) << put.error().message;
  StringSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  ASSERT_EQ(sink.bytes.size(), bytes.size());
  EXPECT_TRUE(sink.bytes == bytes);
}

TEST_F(RemoteNpmBackend, ARealNpmClientInstallsWhatWasPublished) {
  const std::string package = fresh_package("acme", "installable");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  const std::string key = fresh_key("installable");
  const std::string tarball = npm_tarball(backend->layout(id_of(key)), "exports.built = 1;\n");
  StringSource source(tarball);
  ASSERT_TRUE(backend->put(id_of(key), source));

  // npm checks the shasum and integrity memo published against the tarball it downloads.
  TempDir install;
  install.write("npmrc", server().npmrc_prefix() + ":_authToken=" + server().token() + "\n");
  const std::string command =
      "cd '" + install.path().string() + "' && npm install --no-audit --no-fund --loglevel=error" +
      " --registry '" + server().url() + "' --userconfig '" + (install / "npmrc").string() +
      "' --cache '" + (install / "cache").string() + "' --prefix '" +
      (install / "project").string() + "' '" + package + "@" + npm_entry_version(key) + "' > '" +
      (install / "npm.log").string() + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << install.read("npm.log");
  EXPECT_EQ(install.read("project/node_modules/" + package + "/lib/index.js"),
            "exports.built = 1;\n");
}

TEST_F(RemoteNpmBackend, ANeverPublishedPackageAndAnUnknownVersionAreMisses) {
  for (const std::string& package : {fresh_package("", "never"), fresh_package("acme", "never")}) {
    auto backend = publisher(package);
    ASSERT_TRUE(backend);
    StringSink sink;
    auto got = backend->get(id_of(fresh_key("never")), sink);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_FALSE(*got);
    EXPECT_TRUE(sink.bytes.empty());
    auto has = backend->has(id_of(fresh_key("never")));
    ASSERT_TRUE(has) << has.error().message;
    EXPECT_FALSE(*has);
  }
  const std::string package = fresh_package("", "one-version");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  StringSource source("one version");
  ASSERT_TRUE(backend->put(id_of(fresh_key("published")), source));
  auto other = backend->has(id_of(fresh_key("other")));
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_FALSE(*other);
}

TEST_F(RemoteNpmBackend, PublishingAVersionThatExistsIsSuccessAndKeepsTheFirst) {
  const std::string package = fresh_package("", "republish");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  const std::string key = fresh_key("republish");
  StringSource first("the first tarball");
  ASSERT_TRUE(backend->put(id_of(key), first));
  StringSource again("another tarball for the same key");
  auto put = backend->put(id_of(key), again);
  ASSERT_TRUE(put) << put.error().message;
  StringSink sink;
  ASSERT_TRUE(backend->get(id_of(key), sink));
  EXPECT_EQ(sink.bytes, "the first tarball");
}

TEST_F(RemoteNpmBackend, ReadingNeedsNoTokenWhereTheRegistryLetsAnyoneRead) {
  const std::string package = fresh_package("", "anyone-reads");
  auto writer = publisher(package);
  ASSERT_TRUE(writer);
  const std::string key = fresh_key("anyone-reads");
  StringSource source("public entry");
  ASSERT_TRUE(writer->put(id_of(key), source));

  auto reader = backend_with_npmrc(package, "registry=" + server().url() + "\n");
  ASSERT_TRUE(reader);
  StringSink sink;
  auto got = reader->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  EXPECT_EQ(sink.bytes, "public entry");
}

TEST_F(RemoteNpmBackend, AWrongTokenIsDeniedInPlainWordsWithoutTheToken) {
  const std::string package = fresh_package("private", "wrong-token");
  auto wrong =
      backend_with_npmrc(package, server().npmrc_prefix() + ":_authToken=" + kSentinelToken + "\n");
  ASSERT_TRUE(wrong);
  const std::string key = fresh_key("wrong-token");
  StringSource source("refused");
  auto put = wrong->put(id_of(key), source);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Denied);
  EXPECT_EQ(put.error().http_status, 401);
  EXPECT_NE(put.error().message.find(
                "the registry refused the npm token (check npmrcUserconfig / .npmrc"),
            std::string::npos)
      << put.error().message;

  StringSink sink;
  auto got = wrong->get(id_of(key), sink);  // @private/* needs a login to read
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Denied);
  for (const auto* error : {&put.error(), &got.error()}) {
    EXPECT_EQ(error->message.find(kSentinelToken), std::string::npos) << error->message;
  }
}

TEST_F(RemoteNpmBackend, AnAnonymousPublishIsDeniedAndSaysWhichNpmrcEntryIsMissing) {
  const std::string package = fresh_package("", "anonymous");
  auto anonymous = backend_with_npmrc(package, "; no credentials\n");
  ASSERT_TRUE(anonymous);
  StringSource source("refused");
  auto put = anonymous->put(id_of(fresh_key("anonymous")), source);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Denied);
  EXPECT_NE(put.error().message.find("no .npmrc entry matches " + server().npmrc_prefix()),
            std::string::npos)
      << put.error().message;
}

TEST_F(RemoteNpmBackend, AUserThatMayNotPublishThePackageIsToldSo) {
  const std::string package = fresh_package("locked", "not-yours");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  StringSource source("refused");
  auto put = backend->put(id_of(fresh_key("locked")), source);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Denied);
  EXPECT_EQ(put.error().http_status, 403);
  EXPECT_NE(put.error().message.find("the npm user may not publish " + package), std::string::npos)
      << put.error().message;
}

TEST_F(RemoteNpmBackend, BasicCredentialsPublishAndAWrongPasswordNeverShows) {
  const std::string package = fresh_package("private", "basic");
  const std::string auth = util::base64_encode(server().user() + ":" + server().password());
  auto with_auth = backend_with_npmrc(package, server().npmrc_prefix() + ":_auth=" + auth + "\n");
  ASSERT_TRUE(with_auth);
  expect_round_trip(*with_auth, package);

  auto with_password = backend_with_npmrc(
      package, server().npmrc_prefix() + ":username=" + server().user() + "\n" +
                   server().npmrc_prefix() +
                   ":_password=" + util::base64_encode(server().password()) + "\n");
  ASSERT_TRUE(with_password);
  expect_round_trip(*with_password, package);

  auto wrong = backend_with_npmrc(
      package, server().npmrc_prefix() + ":username=" + server().user() + "\n" +
                   server().npmrc_prefix() +
                   ":_password=" + util::base64_encode(kSentinelPassword) + "\n");
  ASSERT_TRUE(wrong);
  StringSink sink;
  auto got = wrong->get(id_of(fresh_key("basic")), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Denied);
  EXPECT_NE(got.error().message.find("the registry refused the npm user name and password"),
            std::string::npos)
      << got.error().message;
  EXPECT_EQ(got.error().message.find(kSentinelPassword), std::string::npos);
  EXPECT_EQ(got.error().message.find(util::base64_encode(kSentinelPassword)), std::string::npos);
}

TEST_F(RemoteNpmBackend, ATokenFromAnEnvironmentPlaceholderIsUsed) {
  const std::string package = fresh_package("private", "placeholder");
  const std::string npmrc = server().npmrc_prefix() + ":_authToken=${MEMO_TEST_NPM_TOKEN}\n";
  {
    ScopedEnv env({{"MEMO_TEST_NPM_TOKEN", server().token()}});
    auto backend = backend_with_npmrc(package, npmrc);
    ASSERT_TRUE(backend);
    expect_round_trip(*backend, package);
  }
  ScopedEnv unset({{"MEMO_TEST_NPM_TOKEN", std::nullopt}});
  auto backend = backend_with_npmrc(package, npmrc);
  ASSERT_TRUE(backend);
  StringSource source("refused");
  auto put = backend->put(id_of(fresh_key("placeholder")), source);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Denied);
  EXPECT_NE(put.error().message.find("placeholder: is that variable set?"), std::string::npos)
      << put.error().message;
}

TEST_F(RemoteNpmBackend, TheUsersNpmrcIsFoundThroughTheEnvironment) {
  const std::string package = fresh_package("", "env-npmrc");
  auto npmrc = dir_.write("from-env.npmrc",
                          server().npmrc_prefix() + ":_authToken=" + server().token() + "\n");
  {
    ScopedEnv env({{"NPM_CONFIG_USERCONFIG", npmrc.string()}});
    auto made = make({{"npmPackageName", package}, {"registryUrl", server().url()}});
    ASSERT_TRUE(made) << made.error();
    expect_round_trip(**made, package);
  }
  dir_.write("home/.npmrc", server().npmrc_prefix() + ":_authToken=" + server().token() + "\n");
  ScopedEnv home({{"NPM_CONFIG_USERCONFIG", std::nullopt},
                  {"npm_config_userconfig", std::nullopt},
                  {"HOME", (dir_ / "home").string()}});
  auto made = make({{"npmPackageName", package}, {"registryUrl", server().url()}});
  ASSERT_TRUE(made) << made.error();
  expect_round_trip(**made, package);
}

TEST_F(RemoteNpmBackend, ARelativeNpmrcUserconfigIsFoundFromTheRepoRoot) {
  const std::string package = fresh_package("", "relative-npmrc");
  dir_.write("repo/.ci/npmrc", server().npmrc_prefix() + ":_authToken=" + server().token() + "\n");
  auto made = make({{"npmPackageName", package},
                    {"registryUrl", server().url()},
                    {"npmrcUserconfig", ".ci/npmrc"}},
                   dir_ / "repo");
  ASSERT_TRUE(made) << made.error();
  expect_round_trip(**made, package);
}

TEST_F(RemoteNpmBackend, ManyThreadsPublishVersionsOfOnePackageAtOnce) {
  const std::string package = fresh_package("", "threads");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  constexpr int kThreads = 4;
  std::vector<std::string> keys, failures(kThreads);
  for (int i = 0; i < kThreads; ++i) keys.push_back(fresh_key("thread" + std::to_string(i)));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::string content = "entry " + std::to_string(i);
      StringSource source(content);
      if (auto put = backend->put(id_of(keys[i]), source); !put) {
        failures[i] = "put: " + put.error().message;
        return;
      }
      StringSink sink;
      auto got = backend->get(id_of(keys[i]), sink);
      if (!got || !*got || sink.bytes != content) failures[i] = "get gave other bytes";
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(failures[i], "") << "thread " << i;
}

TEST_F(RemoteNpmBackend, ASourceThatFailsPublishesNothingAndASinkThatRefusesAborts) {
  const std::string package = fresh_package("", "aborts");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  const std::string key = fresh_key("aborts");
  const std::string bytes = random_bytes(3 << 20, 22);
  StringSource failing(bytes);
  failing.fail_at = 1 << 20;
  auto put = backend->put(id_of(key), failing);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Aborted);
  auto has = backend->has(id_of(key));
  ASSERT_TRUE(has);
  EXPECT_FALSE(*has);

  StringSource source(bytes);
  ASSERT_TRUE(backend->put(id_of(key), source));
  StringSink refusing;
  refusing.refuse = true;
  auto got = backend->get(id_of(key), refusing);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Aborted);
}

TEST_F(RemoteNpmBackend, ADamagedTarballComesBackAsTheRegistryHasIt) {
  const std::string package = fresh_package("", "damaged");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  const std::string key = fresh_key("damaged");
  StringSource source("stored bytes");
  ASSERT_TRUE(backend->put(id_of(key), source));
  server().corrupt(package, npm_entry_version(key));
  StringSink sink;
  ASSERT_TRUE(backend->get(id_of(key), sink));
  EXPECT_NE(sink.bytes, "stored bytes");
  EXPECT_EQ(sink.bytes.substr(1), std::string("stored bytes").substr(1));
}

TEST_F(RemoteNpmBackend, AStoppedRegistryIsUnreachableAndARestartedOneStillHasItsEntries) {
  const std::string package = fresh_package("", "restart");
  auto backend = publisher(package);
  ASSERT_TRUE(backend);
  const std::string key = fresh_key("restart");
  StringSource source("kept across a restart");
  ASSERT_TRUE(backend->put(id_of(key), source));
  server().stop();
  auto start = steady_clock::now();
  auto has = backend->has(id_of(key));
  ASSERT_FALSE(has);
  EXPECT_EQ(has.error().kind, Kind::Unreachable);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_TRUE(server().start()) << server().problem();
  StringSink sink;
  ASSERT_TRUE(backend->get(id_of(key), sink));
  EXPECT_EQ(sink.bytes, "kept across a restart");
}

TEST(RemoteNpmServerDown, NothingOnThePortIsUnreachableAtOnce) {
  TempDir dir;
  const std::string registry = "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/";
  auto npmrc = dir.write("npmrc", "//127.0.0.1/:_authToken=" + kSentinelToken + "\n");
  auto made = make(
      {{"npmPackageName", "memo-cache"}, {"registryUrl", registry}, {"npmrcUserconfig", npmrc}});
  ASSERT_TRUE(made) << made.error();
  const auto id = id_of(fresh_key("down"));
  auto start = steady_clock::now();
  StringSink sink;
  auto got = (*made)->get(id, sink);
  auto has = (*made)->has(id);
  StringSource source("nowhere");
  auto put = (*made)->put(id, source);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_FALSE(got);
  ASSERT_FALSE(has);
  ASSERT_FALSE(put);
  for (const auto* error : {&got.error(), &has.error(), &put.error()}) {
    EXPECT_EQ(error->kind, Kind::Unreachable) << error->message;
    EXPECT_EQ(error->message.find(kSentinelToken), std::string::npos) << error->message;
  }
}

// --- answers Verdaccio does not give, from a scripted registry ----------------------------

// Its path's first part picks the answer: /echo answers 401 with the Authorization header in
// its body; /redirect sends a tarball GET on to /cdn/…, which refuses any request with
// credentials; /nohead answers HEAD with 405 and serves a packument listing version
// "0.0.0-<64 a>".
constexpr const char* kScriptedRegistry = R"PY(
import http.server, json, sys
port = int(sys.argv[1])
listed = "0.0.0-" + "a" * 64
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        parts = self.path.split("?")[0].split("/")
        mode = parts[1]
        if mode == "echo":
            said = "bad auth: " + self.headers.get("Authorization", "")
            return self.answer(401, json.dumps({"error": said}).encode())
        if mode == "redirect":
            return self.answer(302, b"", [("Location", "http://127.0.0.1:%d/cdn/%s?sig=X" % (port, parts[-1]))])
        if mode == "cdn":
            if self.headers.get("Authorization"):
                return self.answer(400, b"credentials sent to the CDN")
            return self.answer(200, b"tarball from the cdn")
        if mode == "nohead":
            if self.command == "HEAD":
                return self.answer(405)
            if "/-/" in self.path:
                return self.answer(404)
            packument = {"name": parts[2], "versions": {listed: {"version": listed}}}
            return self.answer(200, json.dumps(packument).encode())
        self.answer(418)
    do_GET = do_PUT = do_HEAD = handle_any
http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
)PY";

class ScriptedRegistry {
 public:
  static ScriptedRegistry& shared() {
    static ScriptedRegistry registry;
    return registry;
  }
  std::string url(const std::string& mode) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + mode + "/";
  }
  bool ready = false;

 private:
  ScriptedRegistry() : port_(testing::free_port()) {
    dir_.write("registry.py", kScriptedRegistry);
    process_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"python3", (dir_ / "registry.py").string(), std::to_string(port_)},
        dir_ / "registry.log");
    ready = process_->wait_until_answers(url("other"), std::chrono::seconds(10));
  }
  TempDir dir_;
  int port_;
  std::unique_ptr<testing::ServerProcess> process_;
};

class RemoteNpmScripted : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ScriptedRegistry::shared().ready); }
  std::unique_ptr<Backend> backend(const std::string& mode, const std::string& npmrc_line) {
    const std::string registry = ScriptedRegistry::shared().url(mode);
    auto npmrc = dir_.write("npmrc", npm_credentials_key(registry) + npmrc_line + "\n");
    auto made = make({{"npmPackageName", "@acme/memo-cache"},
                      {"registryUrl", registry},
                      {"npmrcUserconfig", npmrc}});
    if (!made) {
      ADD_FAILURE() << made.error();
      return nullptr;
    }
    return std::move(*made);
  }
  TempDir dir_;
};

TEST_F(RemoteNpmScripted, CredentialsTheRegistryEchoesBackNeverReachTheMessage) {
  const std::string basic = util::base64_encode("ci:" + kSentinelPassword);
  for (const std::string& line :
       {":_authToken=" + kSentinelToken, ":_auth=" + basic,
        ":username=ci\n" + npm_credentials_key(ScriptedRegistry::shared().url("echo")) +
            ":_password=" + util::base64_encode(kSentinelPassword)}) {
    auto echo = backend("echo", line);
    ASSERT_TRUE(echo);
    StringSink sink;
    auto got = echo->get(id_of(fresh_key("echo")), sink);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().kind, Kind::Denied);
    EXPECT_NE(got.error().message.find("bad auth: "), std::string::npos) << got.error().message;
    EXPECT_NE(got.error().message.find("***"), std::string::npos) << got.error().message;
    for (const std::string& secret : {kSentinelToken, kSentinelPassword, basic}) {
      EXPECT_EQ(got.error().message.find(secret), std::string::npos) << got.error().message;
    }
  }
}

TEST_F(RemoteNpmScripted, ARedirectedTarballIsFetchedWithoutCredentials) {
  auto redirect = backend("redirect", ":_authToken=" + kSentinelToken);
  ASSERT_TRUE(redirect);
  StringSink sink;
  auto got = redirect->get(id_of(fresh_key("redirect")), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  EXPECT_EQ(sink.bytes, "tarball from the cdn");
}

TEST_F(RemoteNpmScripted, WithoutHeadTheVersionIsLookedUpInThePackument) {
  auto nohead = backend("nohead", ":_authToken=t");
  ASSERT_TRUE(nohead);
  auto listed = nohead->has(id_of(std::string(64, 'a')));
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_TRUE(*listed);
  auto unlisted = nohead->has(id_of(std::string(64, 'b')));
  ASSERT_TRUE(unlisted) << unlisted.error().message;
  EXPECT_FALSE(*unlisted);
}

// --- the factory ------------------------------------------------------------------------

class RemoteNpmFactory : public ::testing::Test {
 protected:
  TempDir dir;
  // No .npmrc of the machine running the tests.
  ScopedEnv env{{{"NPM_CONFIG_USERCONFIG", std::nullopt},
                 {"npm_config_userconfig", std::nullopt},
                 {"HOME", dir.path().string()}}};
};

TEST_F(RemoteNpmFactory, AMissingPackageNameOrRegistryNamesTheOption) {
  auto no_name = make({{"registryUrl", "https://registry.example.com/"}});
  ASSERT_FALSE(no_name);
  EXPECT_NE(no_name.error().find("cacheStorageConfig.options.npmPackageName: missing"),
            std::string::npos)
      << no_name.error();
  auto no_registry = make({{"npmPackageName", "memo-cache"}});
  ASSERT_FALSE(no_registry);
  EXPECT_NE(no_registry.error().find("cacheStorageConfig.options.registryUrl: missing"),
            std::string::npos)
      << no_registry.error();
}

TEST_F(RemoteNpmFactory, APackageNameNpmWouldRefuseIsRefused) {
  for (const char* name : {"Memo-Cache", "memo cache", "@acme", "@/cache", "@acme/", ".cache",
                           "_cache", "@acme/.cache", "a/b", "memo~cache", "caché"}) {
    auto made = make({{"npmPackageName", name}, {"registryUrl", "https://registry.example.com/"}});
    ASSERT_FALSE(made) << name;
    EXPECT_NE(made.error().find("cacheStorageConfig.options.npmPackageName: not a name npm can "
                                "publish"),
              std::string::npos)
        << made.error();
  }
  for (const char* name : {"memo-cache", "@acme/memo-cache", "a.b_c-1", "@a-b/c.d"}) {
    EXPECT_TRUE(is_valid_npm_package_name(name)) << name;
  }
  EXPECT_FALSE(is_valid_npm_package_name(std::string(215, 'a')));
}

TEST_F(RemoteNpmFactory, AMalformedRegistryUrlIsRefusedWithoutRepeatingAPassword) {
  for (const char* url : {"registry.example.com", "ftp://registry.example.com/",
                          "https://registry.example.com/?x=1"}) {
    auto made = make({{"npmPackageName", "memo-cache"}, {"registryUrl", url}});
    ASSERT_FALSE(made) << url;
    EXPECT_NE(made.error().find("cacheStorageConfig.options.registryUrl: not an http(s) URL"),
              std::string::npos)
        << made.error();
  }
  auto secret =
      make({{"npmPackageName", "memo-cache"},
            {"registryUrl", "https://ci:" + kSentinelPassword + "@registry.example.com/"}});
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error().find(kSentinelPassword), std::string::npos);
}

TEST_F(RemoteNpmFactory, AnNpmrcUserconfigThatCannotBeReadNamesTheOption) {
  auto made = make({{"npmPackageName", "memo-cache"},
                    {"registryUrl", "https://registry.example.com/"},
                    {"npmrcUserconfig", (dir / "missing.npmrc").string()}});
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().find("cacheStorageConfig.options.npmrcUserconfig: "), std::string::npos)
      << made.error();
  EXPECT_NE(made.error().find("missing.npmrc"), std::string::npos) << made.error();
}

TEST_F(RemoteNpmFactory, NoNpmrcAnywhereIsFineAndUnknownOptionsAreIgnored) {
  auto made = make({{"npmPackageName", "@acme/memo-cache"},
                    {"registryUrl", "https://registry.example.com/npm"},
                    {"someFutureOption", 1}});
  ASSERT_TRUE(made) << made.error();
  EXPECT_EQ((*made)->name(), "npm");
  EXPECT_EQ((*made)->where(), "https://registry.example.com/npm/ (package @acme/memo-cache)");
  auto* npm = dynamic_cast<NpmBackend*>(made->get());
  ASSERT_TRUE(npm);
  EXPECT_EQ(npm->tarball_url("0.0.0-k"),
            "https://registry.example.com/npm/@acme/memo-cache/-/memo-cache-0.0.0-k.tgz");
}

TEST_F(RemoteNpmFactory, AnOptionThatIsNotAStringIsRefused) {
  auto made = make({{"npmPackageName", "memo-cache"},
                    {"registryUrl", "https://registry.example.com/"},
                    {"npmrcUserconfig", false}});
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error(), "cacheStorageConfig.options.npmrcUserconfig: must be a string");
}

}  // namespace
}  // namespace memo::store::remote
