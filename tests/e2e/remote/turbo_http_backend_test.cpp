// The http backend (turbo's remote-cache API v8) against turborepo-remote-cache, the server
// many turbo users run themselves, and against a small scripted server for the answers that
// one never gives (403, redirects, stalls).
#include "memo/store/remote/turbo_http_backend.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "memo/store/remote/backends.hpp"
#include "support/artifact_streams.hpp"
#include "support/scoped_env.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/turbo_cache_server.hpp"

namespace memo::store::remote {
namespace {

using memo::testing::fresh_key;
using memo::testing::GeneratedSource;
using memo::testing::HashingSink;
using memo::testing::id_of;
using memo::testing::random_bytes;
using memo::testing::ScopedEnv;
using memo::testing::StringSink;
using memo::testing::StringSource;
using memo::testing::TurboCacheServer;
using Kind = RemoteError::Kind;
using std::chrono::steady_clock;

const std::string kTeam = "memo-team";
// Never the real token: any message that holds it fails the test.
const std::string kSentinelTurboToken = "SENTINEL-turbo-token-5c1e9a";

// No TURBO_* or MEMO_TURBO_* variable from the machine running the tests.
ScopedEnv clean_turbo_env() {
  return ScopedEnv({{"TURBO_API", std::nullopt},
                    {"TURBO_TOKEN", std::nullopt},
                    {"TURBO_TEAM", std::nullopt},
                    {"TURBO_TEAMID", std::nullopt},
                    {"MEMO_TURBO_API", std::nullopt},
                    {"MEMO_TURBO_TOKEN", std::nullopt},
                    {"MEMO_TURBO_TEAM", std::nullopt}});
}

MadeBackend make_http(const nlohmann::json& options, HttpTimeouts timeouts = {}) {
  BackendSettings settings;
  settings.provider = "http";
  settings.options = options;
  settings.timeouts = timeouts;
  return make_backend(settings);
}

std::unique_ptr<Backend> backend_for(const nlohmann::json& options, HttpTimeouts timeouts = {}) {
  auto made = make_http(options, timeouts);
  if (!made) {
    ADD_FAILURE() << made.error();
    return nullptr;
  }
  return std::move(*made);
}

std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// The most this process held in memory beyond what it held when the watch started, sampled
// every few milliseconds (the process's lifetime peak would count earlier tests too).
class MemoryWatch {
 public:
  MemoryWatch() : baseline_(resident_bytes()), sampler_([this] { sample(); }) {}
  ~MemoryWatch() { stop(); }
  std::uint64_t growth() {
    stop();
    return peak_ > baseline_ ? peak_ - baseline_ : 0;
  }

 private:
  void sample() {
    while (!done_) {
      peak_ = std::max<std::uint64_t>(peak_, resident_bytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  void stop() {
    done_ = true;
    if (sampler_.joinable()) sampler_.join();
  }
  std::uint64_t baseline_;
  std::uint64_t peak_ = 0;
  std::atomic<bool> done_ = false;
  std::thread sampler_;
};

class RemoteHttpBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server().start()) << server().problem();
    backend = backend_for({{"url", server().url()}, {"token", server().token()}, {"team", kTeam}});
    ASSERT_TRUE(backend);
  }
  static TurboCacheServer& server() { return TurboCacheServer::shared(); }

  std::unique_ptr<Backend> backend;
};

TEST_F(RemoteHttpBackend, ASmallArtifactGoesUpAndComesBack) {
  const std::string key = fresh_key("small");
  const std::string bytes = random_bytes(5000, 1);
  StringSource source(bytes);
  ASSERT_TRUE(backend->put(id_of(key), source)) << "put failed";

  auto has = backend->has(id_of(key));
  ASSERT_TRUE(has) << has.error().message;
  EXPECT_TRUE(*has);
  StringSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  // turborepo-remote-cache streams its answer (chunked), so it may announce no size.
  EXPECT_TRUE(!sink.announced || *sink.announced == bytes.size());
  EXPECT_TRUE(sink.bytes == bytes);
}

TEST_F(RemoteHttpBackend, ABigArtifactOverThePartThresholdComesBackByteForByte) {
  const std::string key = fresh_key("big");
  const std::string bytes = random_bytes(30 << 20, 2);
  StringSource source(bytes);
  auto put = backend->put(id_of(key), source);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(std::filesystem::file_size(server().artifact_path(kTeam, key)), bytes.size());

  StringSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  ASSERT_EQ(sink.bytes.size(), bytes.size());
  EXPECT_TRUE(sink.bytes == bytes);
}

TEST_F(RemoteHttpBackend, AnEmptyArtifactIsStoredToo) {
  const std::string key = fresh_key("empty");
  StringSource source("");
  auto put = backend->put(id_of(key), source);
  ASSERT_TRUE(put) << put.error().message;
  StringSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  EXPECT_TRUE(sink.expect_called);
  EXPECT_TRUE(sink.bytes.empty());
}

TEST_F(RemoteHttpBackend, ANeverStoredKeyIsAMissNotAnError) {
  const std::string key = fresh_key("never");
  StringSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(*got);
  EXPECT_TRUE(sink.bytes.empty());
  auto has = backend->has(id_of(key));
  ASSERT_TRUE(has) << has.error().message;
  EXPECT_FALSE(*has);
}

TEST_F(RemoteHttpBackend, APutReplacesWhatWasStored) {
  const std::string key = fresh_key("replace");
  StringSource first("first version");
  ASSERT_TRUE(backend->put(id_of(key), first));
  StringSource second("second");
  ASSERT_TRUE(backend->put(id_of(key), second));
  StringSink sink;
  ASSERT_TRUE(backend->get(id_of(key), sink));
  EXPECT_EQ(sink.bytes, "second");
}

// turbo 2.11 (TURBO_TEAM=<name>, or TURBO_TEAMID=team_…) puts its artifacts at
// <storage>/<team>/<hash> of this server: memo's land at the same place.
TEST_F(RemoteHttpBackend, ArtifactsLandWhereTurboPutsItsOwn) {
  const std::string key = fresh_key("layout");
  StringSource source("laid out like turbo's");
  ASSERT_TRUE(backend->put(id_of(key), source));
  EXPECT_EQ(testing::read_file(server().artifact_path(kTeam, key)), "laid out like turbo's");

  auto by_id =
      backend_for({{"url", server().url()}, {"token", server().token()}, {"teamId", "team_memo"}});
  ASSERT_TRUE(by_id);
  StringSource again("by team id");
  ASSERT_TRUE(by_id->put(id_of(key), again));
  EXPECT_EQ(testing::read_file(server().artifact_path("team_memo", key)), "by team id");
}

TEST_F(RemoteHttpBackend, TeamsDoNotSeeEachOthersArtifacts) {
  const std::string key = fresh_key("teams");
  StringSource source("team one's");
  ASSERT_TRUE(backend->put(id_of(key), source));
  auto other =
      backend_for({{"url", server().url()}, {"token", server().token()}, {"team", "another-team"}});
  ASSERT_TRUE(other);
  auto has = other->has(id_of(key));
  ASSERT_TRUE(has) << has.error().message;
  EXPECT_FALSE(*has);
}

TEST_F(RemoteHttpBackend, AWrongTokenIsDeniedInPlainWordsWithoutTheToken) {
  auto wrong =
      backend_for({{"url", server().url()}, {"token", kSentinelTurboToken}, {"team", kTeam}});
  ASSERT_TRUE(wrong);
  const std::string key = fresh_key("denied");
  StringSink sink;
  auto got = wrong->get(id_of(key), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Denied);
  EXPECT_EQ(got.error().http_status, 401);
  EXPECT_NE(got.error().message.find("the token was refused: check TURBO_TOKEN"), std::string::npos)
      << got.error().message;

  auto has = wrong->has(id_of(key));
  ASSERT_FALSE(has);
  EXPECT_EQ(has.error().kind, Kind::Denied);

  StringSource source("never stored");
  auto put = wrong->put(id_of(key), source);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Denied);
  EXPECT_FALSE(std::filesystem::exists(server().artifact_path(kTeam, key)));
  for (const auto* error : {&got.error(), &has.error(), &put.error()}) {
    EXPECT_EQ(error->message.find(kSentinelTurboToken), std::string::npos) << error->message;
  }
}

TEST_F(RemoteHttpBackend, WithoutATeamTheServerAsksForOneInPlainWords) {
  auto teamless = backend_for({{"url", server().url()}, {"token", server().token()}});
  ASSERT_TRUE(teamless);
  StringSink sink;
  auto got = teamless->get(id_of(fresh_key("teamless")), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Server);
  EXPECT_NE(got.error().message.find("the server wants a team"), std::string::npos)
      << got.error().message;
}

TEST_F(RemoteHttpBackend, ASourceThatFailsAbortsTheUploadAndStoresNothing) {
  const std::string key = fresh_key("source-fails");
  const std::string bytes = random_bytes(12 << 20, 3);
  StringSource source(bytes);
  source.fail_at = 10 << 20;
  auto put = backend->put(id_of(key), source);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Aborted);
  EXPECT_NE(put.error().message.find("the packer failed"), std::string::npos);
  auto has = backend->has(id_of(key));
  ASSERT_TRUE(has);
  EXPECT_FALSE(*has);
}

TEST_F(RemoteHttpBackend, ASinkThatRefusesAbortsTheDownload) {
  const std::string key = fresh_key("sink-refuses");
  StringSource source("too big for the sink");
  ASSERT_TRUE(backend->put(id_of(key), source));
  StringSink sink;
  sink.refuse = true;
  auto got = backend->get(id_of(key), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Aborted);
}

TEST_F(RemoteHttpBackend, ADamagedArtifactComesBackAsTheServerHasIt) {
  const std::string key = fresh_key("damaged");
  const std::string bytes = random_bytes(4096, 4);
  StringSource source(bytes);
  ASSERT_TRUE(backend->put(id_of(key), source));
  server().corrupt(kTeam, key);
  StringSink corrupted;
  ASSERT_TRUE(backend->get(id_of(key), corrupted));
  ASSERT_EQ(corrupted.bytes.size(), bytes.size());
  EXPECT_NE(corrupted.bytes[0], bytes[0]);
  EXPECT_TRUE(corrupted.bytes.substr(1) == bytes.substr(1));

  server().truncate(kTeam, key, 100);
  StringSink truncated;
  ASSERT_TRUE(backend->get(id_of(key), truncated));
  EXPECT_EQ(truncated.bytes.size(), 100u);

  server().remove(kTeam, key);
  auto has = backend->has(id_of(key));
  ASSERT_TRUE(has);
  EXPECT_FALSE(*has);
}

TEST_F(RemoteHttpBackend, ManyThreadsPutAndGetAtOnce) {
  constexpr int kThreads = 8;
  std::vector<std::string> keys, contents;
  for (int i = 0; i < kThreads; ++i) {
    keys.push_back(fresh_key("thread" + std::to_string(i)));
    contents.push_back(random_bytes(static_cast<std::size_t>(100000 + i * 250000), 10 + i));
  }
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      StringSource source(contents[i]);
      if (auto put = backend->put(id_of(keys[i]), source); !put) {
        failures[i] = "put: " + put.error().message;
        return;
      }
      StringSink sink;
      auto got = backend->get(id_of(keys[i]), sink);
      if (!got || !*got || sink.bytes != contents[i]) failures[i] = "get gave other bytes";
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(failures[i], "") << "thread " << i;
}

TEST_F(RemoteHttpBackend, A200MegabyteArtifactGoesUpAndDownInBoundedMemory) {
  const std::string key = fresh_key("huge");
  constexpr std::uint64_t kSize = 200ull << 20;
  MemoryWatch memory;
  GeneratedSource source(kSize, 99);
  auto put = backend->put(id_of(key), source);
  ASSERT_TRUE(put) << put.error().message;
  ASSERT_EQ(source.given, kSize);
  const std::string sent = source.hasher.hex_digest();
  EXPECT_EQ(std::filesystem::file_size(server().artifact_path(kTeam, key)), kSize);

  HashingSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  EXPECT_EQ(sink.size, kSize);
  EXPECT_EQ(sink.hasher.hex_digest(), sent);
  EXPECT_LT(memory.growth(), 64ull << 20);
  server().remove(kTeam, key);
}

TEST_F(RemoteHttpBackend, AStoppedServerIsUnreachableAndARestartedOneStillHasItsArtifacts) {
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

TEST(RemoteHttpServerDown, NothingOnThePortIsUnreachableAtOnce) {
  auto backend = backend_for({{"url", "http://127.0.0.1:" + std::to_string(testing::free_port())},
                              {"token", kSentinelTurboToken},
                              {"team", kTeam}});
  ASSERT_TRUE(backend);
  const auto id = id_of(fresh_key("down"));
  auto start = steady_clock::now();
  StringSink sink;
  auto got = backend->get(id, sink);
  auto has = backend->has(id);
  StringSource source("nowhere to go");
  auto put = backend->put(id, source);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_FALSE(got);
  ASSERT_FALSE(has);
  ASSERT_FALSE(put);
  for (const auto* error : {&got.error(), &has.error(), &put.error()}) {
    EXPECT_EQ(error->kind, Kind::Unreachable) << error->message;
    EXPECT_EQ(error->message.find(kSentinelTurboToken), std::string::npos) << error->message;
  }
}

// --- answers turborepo-remote-cache does not give, from a scripted server -------------------

// Its path's first part picks the answer: /readonly/v8/artifacts/<key> refuses PUT with 403 and
// misses GET; /forbidden answers 403 to all; /echo answers 401 with the Authorization header in
// its body; /redirect sends GET on to /cdn/<key>, which refuses any request with a token;
// /bad-redirect sends it to /cdn-forbidden, which answers 403; /stall starts a body and stops;
// /broken answers 500.
constexpr const char* kScriptedServer = R"PY(
import http.server, json, sys, time
port = int(sys.argv[1])
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
        if mode == "cdn":
            if self.headers.get("Authorization"):
                return self.answer(400, b'{"message":"a token was sent to the CDN"}')
            return self.answer(200, b"bytes from the cdn")
        if mode == "cdn-forbidden":
            return self.answer(403, b"AccessDenied")
        if mode == "bad-redirect":
            location = "http://127.0.0.1:%d/cdn-forbidden/%s" % (port, parts[-1])
            return self.answer(302, b"", [("Location", location)])
        if mode == "readonly":
            if self.command == "PUT":
                body = {"error": {"code": "forbidden", "message": "this token is read-only"}}
                return self.answer(403, json.dumps(body).encode())
            return self.answer(404, b'{"message":"Artifact not found"}')
        if mode == "forbidden":
            return self.answer(403, b'{"message":"no access to this team"}')
        if mode == "echo":
            said = "bad token: " + self.headers.get("Authorization", "")
            return self.answer(401, json.dumps({"message": said}).encode())
        if mode == "redirect":
            location = "http://127.0.0.1:%d/cdn/%s?sig=CDN-SIGNATURE" % (port, parts[-1])
            return self.answer(302, b"", [("Location", location)])
        if mode == "stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            time.sleep(30)
            return
        if mode == "broken":
            return self.answer(500, b'{"message":"disk full"}')
        self.answer(418)
    do_GET = do_PUT = do_HEAD = handle_any
http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
)PY";

class ScriptedServer {
 public:
  static ScriptedServer& shared() {
    static ScriptedServer server;
    return server;
  }
  std::string url(const std::string& mode) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + mode;
  }
  bool ready = false;

 private:
  ScriptedServer() : port_(testing::free_port()) {
    dir_.write("server.py", kScriptedServer);
    process_ = std::make_unique<testing::ServerProcess>(
        std::vector<std::string>{"python3", (dir_ / "server.py").string(), std::to_string(port_)},
        dir_ / "server.log");
    ready = process_->wait_until_answers(url("broken") + "/", std::chrono::seconds(10));
  }
  testing::TempDir dir_;
  int port_;
  std::unique_ptr<testing::ServerProcess> process_;
};

class RemoteHttpScripted : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ScriptedServer::shared().ready); }
  static std::unique_ptr<Backend> backend(const std::string& mode, HttpTimeouts timeouts = {}) {
    return backend_for({{"url", ScriptedServer::shared().url(mode)},
                        {"token", kSentinelTurboToken},
                        {"team", kTeam}},
                       timeouts);
  }
};

TEST_F(RemoteHttpScripted, AReadOnlyTokenMayReadButItsPutIsRefusedInPlainWords) {
  auto readonly = backend("readonly");
  ASSERT_TRUE(readonly);
  const auto id = id_of(fresh_key("readonly"));
  auto has = readonly->has(id);
  ASSERT_TRUE(has) << has.error().message;
  EXPECT_FALSE(*has);
  StringSource source("not allowed");
  auto put = readonly->put(id, source);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Denied);
  EXPECT_EQ(put.error().http_status, 403);
  EXPECT_NE(put.error().message.find("the token may not write to this team's cache (read-only)"),
            std::string::npos)
      << put.error().message;
  EXPECT_NE(put.error().message.find("this token is read-only"), std::string::npos)
      << put.error().message;
  EXPECT_EQ(put.error().message.find(kSentinelTurboToken), std::string::npos);
}

TEST_F(RemoteHttpScripted, AForbiddenReadSaysTheTokenMayNotRead) {
  auto forbidden = backend("forbidden");
  ASSERT_TRUE(forbidden);
  StringSink sink;
  auto got = forbidden->get(id_of(fresh_key("forbidden")), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Denied);
  EXPECT_NE(got.error().message.find("the token may not read this team's cache"), std::string::npos)
      << got.error().message;
  EXPECT_TRUE(sink.bytes.empty());
}

TEST_F(RemoteHttpScripted, ATokenTheServerEchoesBackNeverReachesTheMessage) {
  auto echo = backend("echo");
  ASSERT_TRUE(echo);
  StringSink sink;
  auto got = echo->get(id_of(fresh_key("echo")), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Denied);
  EXPECT_NE(got.error().message.find("bad token: Bearer ***"), std::string::npos)
      << got.error().message;
  EXPECT_EQ(got.error().message.find(kSentinelTurboToken), std::string::npos)
      << got.error().message;
}

TEST_F(RemoteHttpScripted, ARedirectedReadIsFollowedWithoutTheToken) {
  auto redirect = backend("redirect");
  ASSERT_TRUE(redirect);
  StringSink sink;
  auto got = redirect->get(id_of(fresh_key("redirect")), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  EXPECT_EQ(sink.bytes, "bytes from the cdn");
}

TEST_F(RemoteHttpScripted, ARefusalFromTheRedirectsTargetIsNotBlamedOnTheToken) {
  auto redirect = backend("bad-redirect");
  ASSERT_TRUE(redirect);
  StringSink sink;
  auto got = redirect->get(id_of(fresh_key("bad-redirect")), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().http_status, 403);
  EXPECT_NE(got.error().message.find("/cdn-forbidden/"), std::string::npos) << got.error().message;
  EXPECT_NE(got.error().message.find("redirected"), std::string::npos) << got.error().message;
  EXPECT_EQ(got.error().message.find("token"), std::string::npos) << got.error().message;
}

TEST_F(RemoteHttpScripted, AServerThatStopsSendingIsStalled) {
  auto stall = backend("stall", HttpTimeouts{1500, 1});
  ASSERT_TRUE(stall);
  StringSink sink;
  auto start = steady_clock::now();
  auto got = stall->get(id_of(fresh_key("stall")), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Stalled) << got.error().message;
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(RemoteHttpScripted, AServerErrorIsAServerFailure) {
  auto broken = backend("broken");
  ASSERT_TRUE(broken);
  StringSource source("x");
  auto put = broken->put(id_of(fresh_key("broken")), source);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Server);
  EXPECT_EQ(put.error().http_status, 500);
  EXPECT_NE(put.error().message.find("disk full"), std::string::npos) << put.error().message;
}

// --- the factory: options and the environment, nothing sent ---------------------------------

TEST(RemoteHttpFactory, AMissingUrlNamesTheOptionAndTheVariable) {
  auto env = clean_turbo_env();
  auto made = make_http({{"token", "t"}});
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().find("cacheStorageConfig.options.url: missing"), std::string::npos)
      << made.error();
  EXPECT_NE(made.error().find("TURBO_API"), std::string::npos) << made.error();
}

TEST(RemoteHttpFactory, AMalformedUrlIsRefused) {
  auto env = clean_turbo_env();
  for (const char* url : {"cache.example.com", "ftp://cache.example.com", "http://",
                          "https://cache.example.com/?team=x", "https://cache example.com"}) {
    auto made = make_http({{"url", url}, {"token", "t"}});
    ASSERT_FALSE(made) << url;
    EXPECT_NE(made.error().find("cacheStorageConfig.options.url: not an http(s) URL"),
              std::string::npos)
        << made.error();
  }
}

TEST(RemoteHttpFactory, AUrlWithAPasswordIsRefusedWithoutRepeatingIt) {
  auto env = clean_turbo_env();
  auto made =
      make_http({{"url", "https://ci:SENTINEL-url-password@cache.example.com"}, {"token", "t"}});
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().find("cacheStorageConfig.options.url: holds a user name or password"),
            std::string::npos)
      << made.error();
  EXPECT_EQ(made.error().find("SENTINEL-url-password"), std::string::npos);
}

TEST(RemoteHttpFactory, AMissingTokenNamesTheOptionAndTheVariable) {
  auto env = clean_turbo_env();
  auto made = make_http({{"url", "https://cache.example.com"}});
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().find("cacheStorageConfig.options.token: missing"), std::string::npos)
      << made.error();
  EXPECT_NE(made.error().find("TURBO_TOKEN"), std::string::npos) << made.error();
}

TEST(RemoteHttpFactory, ATokenWithALineBreakIsRefusedWithoutRepeatingIt) {
  auto env = clean_turbo_env();
  auto made = make_http({{"url", "https://cache.example.com"}, {"token", "SENTINEL\r\nX-Evil: 1"}});
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().find("cacheStorageConfig.options.token: holds a line break"),
            std::string::npos)
      << made.error();
  EXPECT_EQ(made.error().find("SENTINEL"), std::string::npos);
}

TEST(RemoteHttpFactory, AnOptionThatIsNotAStringIsRefused) {
  auto env = clean_turbo_env();
  auto made = make_http({{"url", "https://cache.example.com"}, {"token", "t"}, {"team", 7}});
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error(), "cacheStorageConfig.options.team: must be a string");
}

TEST(RemoteHttpFactory, DifferentTeamAndTeamIdAreRefused) {
  auto env = clean_turbo_env();
  auto made = make_http(
      {{"url", "https://cache.example.com"}, {"token", "t"}, {"team", "a"}, {"teamId", "team_b"}});
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().find("both given and different"), std::string::npos) << made.error();
}

TEST(RemoteHttpFactory, UnknownOptionsAreIgnoredAndTheUrlLosesItsTrailingSlash) {
  auto env = clean_turbo_env();
  auto made = make_http({{"url", "https://cache.example.com/api/"},
                         {"token", "t"},
                         {"team", "web"},
                         {"someFutureOption", true}});
  ASSERT_TRUE(made) << made.error();
  EXPECT_EQ((*made)->name(), "http");
  EXPECT_EQ((*made)->where(), "https://cache.example.com/api (team web)");
}

TEST(RemoteHttpFactory, TheEnvironmentGivesWhatTheOptionsLeaveOut) {
  auto env = clean_turbo_env();
  ScopedEnv turbo({{"TURBO_API", "https://turbo.example.com"},
                   {"TURBO_TOKEN", "from-env"},
                   {"TURBO_TEAMID", "team_from_env"}});
  auto made = make_http(nlohmann::json::object());
  ASSERT_TRUE(made) << made.error();
  EXPECT_EQ((*made)->where(), "https://turbo.example.com (team team_from_env)");

  ScopedEnv memo({{"MEMO_TURBO_API", "https://memo.example.com"}, {"TURBO_TEAM", "slug-team"}});
  auto preferred = make_http(nlohmann::json::object());
  ASSERT_TRUE(preferred) << preferred.error();
  EXPECT_EQ((*preferred)->where(), "https://memo.example.com (team slug-team)");

  auto options_win = make_http({{"url", "https://options.example.com"}, {"team", "opt"}});
  ASSERT_TRUE(options_win) << options_win.error();
  EXPECT_EQ((*options_win)->where(), "https://options.example.com (team opt)");
}

TEST(RemoteHttpFactory, ATeamGoesAsTeamIdOrSlugAsTurboSendsIt) {
  EXPECT_EQ(turbo_team_query("team_abc123"), "teamId=team_abc123");
  EXPECT_EQ(turbo_team_query("my team"), "slug=my%20team");
  EXPECT_EQ(turbo_team_query("teamless"), "slug=teamless");
  EXPECT_EQ(turbo_team_query(""), "");
}

}  // namespace
}  // namespace memo::store::remote
