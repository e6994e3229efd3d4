// memo_test_server: starts one of the real servers the tests use, prints how to reach it as
// shell assignments, and keeps it running until it gets SIGTERM or SIGINT. For benchmarks and
// for trying memo by hand:   eval "$(build/tests/memo_test_server azurite)"   (see bench/).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "support/azurite_server.hpp"
#include "support/temp_dir.hpp"
#include "support/turbo_cache_server.hpp"
#include "support/verdaccio_server.hpp"

namespace {

using memo::testing::AzuriteServer;
using memo::testing::TurboCacheServer;
using memo::testing::VerdaccioServer;

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void say(const std::string& name, const std::string& value) {
  std::cout << name << "=" << quoted(value) << "\n";
}

int wait_for_signal() {
  std::cout << "SERVER_PID=" << ::getpid() << std::endl;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  int got = 0;
  sigwait(&signals, &got);
  return 0;
}

int serve_azurite() {
  AzuriteServer& server = AzuriteServer::shared();
  const std::string container = "memo-bench";
  server.create_container(container);
  say("SERVER_PROVIDER", "azure-blob");
  say("SERVER_CONNECTION_STRING", server.connection_string());
  say("SERVER_CONTAINER", container);
  say("SERVER_OPTIONS", "{\"connectionString\": \"" + server.connection_string() +
                            "\", \"container\": \"" + container + "\"}");
  // For curl: a container URL and an account SAS that may do everything.
  say("SERVER_CONTAINER_URL", server.blob_endpoint() + "/" + container);
  say("SERVER_SAS", server.sas("racwdl"));
  return wait_for_signal();
}

int serve_turbo() {
  TurboCacheServer& server = TurboCacheServer::shared();
  if (!server.problem().empty()) {
    std::cerr << server.problem() << "\n";
    return 1;
  }
  say("SERVER_PROVIDER", "http");
  say("SERVER_URL", server.url());
  say("SERVER_TOKEN", server.token());
  say("SERVER_TEAM", "team_bench");
  say("SERVER_OPTIONS", "{\"url\": \"" + server.url() +
                            "\", \"team\": \"team_bench\", \"token\": \"" + server.token() + "\"}");
  return wait_for_signal();
}

int serve_verdaccio() {
  VerdaccioServer& server = VerdaccioServer::shared();
  if (!server.problem().empty()) {
    std::cerr << server.problem() << "\n";
    return 1;
  }
  static memo::testing::TempDir dir;
  auto npmrc = dir.write("npmrc", server.npmrc_prefix() + ":_authToken=" + server.token() + "\n");
  say("SERVER_PROVIDER", "npm");
  say("SERVER_URL", server.url());
  say("SERVER_TOKEN", server.token());
  say("SERVER_OPTIONS", "{\"npmPackageName\": \"memo-bench\", \"registryUrl\": \"" + server.url() +
                            "\", \"npmrcUserconfig\": \"" + npmrc.string() + "\"}");
  return wait_for_signal();
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = argc > 1 ? argv[1] : "";
  if (which == "azurite") return serve_azurite();
  if (which == "turbo") return serve_turbo();
  if (which == "verdaccio") return serve_verdaccio();
  std::cerr << "usage: memo_test_server azurite|turbo|verdaccio\n";
  return 2;
}
