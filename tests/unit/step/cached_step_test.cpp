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
  StepOutcome build() {
    StepOutcome outcome = run_cached_step(config_, kBuild, {}, *cache_);
    cache_->finish_uploads();
    for (const auto& [key, bytes] : fake_->artifacts) remote_[key] = bytes;
    return outcome;
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
  StepOutcome built = ci.build();
  ASSERT_EQ(built.exit_code, 0);
  EXPECT_EQ(built.result, CacheResult::Miss);
  EXPECT_EQ(built.key.size(), 64u);
  EXPECT_GT(built.input_count, 0u);
  EXPECT_EQ(ci.runs(), 1);
  ASSERT_EQ(remote_.size(), 1u);

  Machine laptop(tmp_ / "laptop", remote_, {});
  StepOutcome downloaded = laptop.build();
  ASSERT_EQ(downloaded.exit_code, 0);
  EXPECT_EQ(downloaded.result, CacheResult::HitRemote);
  EXPECT_EQ(downloaded.key, built.key);
  EXPECT_NEAR(downloaded.command_ms, built.command_ms, 0.001) << "what the hit saved: CI's run";
  EXPECT_EQ(laptop.runs(), 0);
  EXPECT_EQ(memo::testing::read_file(laptop.output()), "built\n");
  EXPECT_EQ(laptop.remote().gets, 1);

  // Untouched outputs for the same key: nothing to restore.
  EXPECT_EQ(laptop.build().result, CacheResult::HitIntact);

  // The remote hit filled the local store: the next restore is local.
  fs::remove_all(laptop.output().parent_path());
  EXPECT_EQ(laptop.build().result, CacheResult::HitLocal);
  EXPECT_EQ(laptop.runs(), 0);
  EXPECT_TRUE(fs::exists(laptop.output()));
  EXPECT_EQ(laptop.remote().gets, 1);
  EXPECT_EQ(laptop.remote().puts, 0);
}

TEST_F(CachedStepTest, ARemoteThatIsDownNeverBreaksTheBuild) {
  Machine laptop(tmp_ / "laptop", remote_, {.write_remote = true});
  laptop.remote().fail_next(RemoteError::Kind::Unreachable, 5);
  EXPECT_EQ(laptop.build().exit_code, 0);
  EXPECT_EQ(laptop.runs(), 1);
  EXPECT_TRUE(fs::exists(laptop.output()));
}

TEST_F(CachedStepTest, ADamagedRemoteArtifactIsRebuiltAndReplaced) {
  Machine ci(tmp_ / "ci", remote_, {.write_remote = true});
  ASSERT_EQ(ci.build().exit_code, 0);
  std::string& bytes = remote_.begin()->second;
  bytes.resize(bytes.size() - 20);

  Machine other_ci(tmp_ / "other-ci", remote_, {.write_remote = true});
  ASSERT_EQ(other_ci.build().result, CacheResult::Miss);
  EXPECT_EQ(other_ci.runs(), 1);
  EXPECT_EQ(other_ci.remote().puts, 1);

  Machine laptop(tmp_ / "laptop", remote_, {});
  ASSERT_EQ(laptop.build().result, CacheResult::HitRemote);
  EXPECT_EQ(laptop.runs(), 0);
}

}  // namespace
}  // namespace memo::step
