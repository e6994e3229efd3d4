#include "memo/store/remote/http_client.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace memo::store::remote {
namespace {

using memo::testing::free_port;
using memo::testing::ServerProcess;
using memo::testing::TempDir;

struct StringSink : ArtifactSink {
  std::optional<std::uint64_t> announced;
  std::string bytes;
  bool expect(std::optional<std::uint64_t> size) override {
    announced = size;
    return true;
  }
  bool write(std::string_view data) override {
    bytes += data;
    return true;
  }
};

TEST(HttpClient, UrlEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(url_encode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(url_encode("dir/x y"), "dir%2Fx%20y");
}

TEST(HttpClient, NothingListeningIsUnreachableAtOnce) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(free_port()) + "/x";
  auto start = std::chrono::steady_clock::now();
  auto response = http_perform(request, {});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, RemoteError::Kind::Unreachable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(HttpClient, AGetStreamsTheBodyIntoTheSinkAndA404KeepsItsBody) {
  TempDir dir;
  std::string content(300000, 'x');
  dir.write("served/file.bin", content);
  int port = free_port();
  ServerProcess server({"python3", "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1",
                        "--directory", (dir / "served").string()},
                       dir / "server.log");
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(server.wait_until_answers(base + "/", std::chrono::seconds(10)));

  StringSink sink;
  HttpRequest request;
  request.url = base + "/file.bin";
  request.sink = &sink;
  auto response = http_perform(request, {});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(sink.announced, content.size());
  ASSERT_EQ(sink.bytes.size(), content.size());
  EXPECT_TRUE(sink.bytes == content);

  StringSink untouched;
  request.url = base + "/missing?sig=SECRET";
  request.sink = &untouched;
  auto missing = http_perform(request, {});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(untouched.bytes.empty());
  auto error = status_error(*missing, "GET " + request.url.substr(0, request.url.find('?')));
  EXPECT_EQ(error.kind, RemoteError::Kind::Server);
  EXPECT_EQ(error.message.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace memo::store::remote
