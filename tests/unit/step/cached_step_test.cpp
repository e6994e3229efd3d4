#include "memo/step/cached_step.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "memo/store/cache.hpp"
#include "memo/store/local_store.hpp"
#include "memo/util/log.hpp"
#include "support/temp_dir.hpp"
#include "unit/store/fake_backend.hpp"

namespace memo::step {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;
using store::remote::RemoteError;
using store::testing::FakeBackend;

// Appends a line to <package>/../runs each time it runs, and writes lib/out.js.
constexpr const char* kBuild = "mkdir -p lib && echo built > lib/out.js && echo ran >> ../runs";

// One machine: a clone of the package and a local store of its own, over a shared remote.
class Machine {
 public:
  Machine(const fs::path& root, std::map<std::string, std::string>& remote,
          store::CachePolicy policy)
      : remote_(remote) {
    config_.package_root = root / "pkg";
    config_.repo_root = config_.package_root;
    config_.internal_cache_folder = root / "store";
    config_.log_folder = root / "logs";
    config_.name = "app";
    fs::create_directories(config_.package_root);
    memo::testing::write_file(config_.package_root / "package.json", R"({"name": "app"})");
    memo::testing::write_file(config_.package_root / "src.ts", "export {};\n");
    local_ = std::make_unique<store::LocalStore>(config_.internal_cache_folder);
    auto backend = std::make_unique<FakeBackend>();
    backend->artifacts = remote_;
    fake_ = backend.get();
    cache_ = std::make_unique<store::Cache>(*local_, std::move(backend), policy);
  }

  // Runs the build through the cache, then shares what it uploaded.
  int build() {
    int exit_code = run_cached_step(config_, kBuild, {}, *cache_);
    cache_->finish_uploads();
    for (const auto& [key, bytes] : fake_->artifacts) remote_[key] = bytes;
    return exit_code;
  }
  int runs() const {
    if (!fs::exists(config_.package_root.parent_path() / "runs")) return 0;
    std::string text = memo::testing::read_file(config_.package_root.parent_path() / "runs");
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }
  fs::path output() const { return config_.package_root / "lib/out.js"; }
  FakeBackend& remote() { return *fake_; }

 private:
  std::map<std::string, std::string>& remote_;
  config::Config config_;
  std::unique_ptr<store::LocalStore> local_;
  FakeBackend* fake_ = nullptr;
  std::unique_ptr<store::Cache> cache_;
};

class CachedStepTest : public ::testing::Test {
 protected:
  CachedStepTest() { util::Log::set_level(util::LogLevel::Mute); }
  ~CachedStepTest() override { util::Log::set_level(util::LogLevel::Info); }

  TempDir tmp_;
  std::map<std::string, std::string> remote_;
};

TEST_F(CachedStepTest, WhatCiBuiltIsARemoteHitOnAFreshClone) {
  Machine ci(tmp_ / "ci", remote_, {.write_remote = true});
  ASSERT_EQ(ci.build(), 0);
  EXPECT_EQ(ci.runs(), 1);
  ASSERT_EQ(remote_.size(), 1u);

  Machine laptop(tmp_ / "laptop", remote_, {});
  ASSERT_EQ(laptop.build(), 0);
  EXPECT_EQ(laptop.runs(), 0);
  EXPECT_EQ(memo::testing::read_file(laptop.output()), "built\n");
  EXPECT_EQ(laptop.remote().gets, 1);

  // The remote hit filled the local store: the next restore is local.
  fs::remove_all(laptop.output().parent_path());
  ASSERT_EQ(laptop.build(), 0);
  EXPECT_EQ(laptop.runs(), 0);
  EXPECT_TRUE(fs::exists(laptop.output()));
  EXPECT_EQ(laptop.remote().gets, 1);
  EXPECT_EQ(laptop.remote().puts, 0);
}

TEST_F(CachedStepTest, ARemoteThatIsDownNeverBreaksTheBuild) {
  Machine laptop(tmp_ / "laptop", remote_, {.write_remote = true});
  laptop.remote().fail_next(RemoteError::Kind::Unreachable, 5);
  EXPECT_EQ(laptop.build(), 0);
  EXPECT_EQ(laptop.runs(), 1);
  EXPECT_TRUE(fs::exists(laptop.output()));
}

TEST_F(CachedStepTest, ADamagedRemoteArtifactIsRebuiltAndReplaced) {
  Machine ci(tmp_ / "ci", remote_, {.write_remote = true});
  ASSERT_EQ(ci.build(), 0);
  std::string& bytes = remote_.begin()->second;
  bytes.resize(bytes.size() - 20);

  Machine other_ci(tmp_ / "other-ci", remote_, {.write_remote = true});
  ASSERT_EQ(other_ci.build(), 0);
  EXPECT_EQ(other_ci.runs(), 1);
  EXPECT_EQ(other_ci.remote().puts, 1);

  Machine laptop(tmp_ / "laptop", remote_, {});
  ASSERT_EQ(laptop.build(), 0);
  EXPECT_EQ(laptop.runs(), 0);
}

}  // namespace
}  // namespace memo::step
