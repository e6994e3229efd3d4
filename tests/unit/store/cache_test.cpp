#include "memo/store/cache.hpp"

#include <gtest/gtest.h>

#include <random>

#include "memo/util/digest.hpp"
#include "memo/util/log.hpp"
#include "support/temp_dir.hpp"
#include "unit/store/fake_backend.hpp"

namespace memo::store {
namespace {

namespace fs = std::filesystem;
using memo::testing::TempDir;
using remote::RemoteError;
using testing::FakeBackend;

class LayeredCacheTest : public ::testing::Test {
 protected:
  LayeredCacheTest() : store_a_(tmp_ / "a"), store_b_(tmp_ / "b") {
    tmp_.write("pkg/lib/index.js", "export const a = 1;\n");
    // Random bytes: compression leaves them as big as they are, for maxSize.
    std::string random(50000, '\0');
    std::mt19937 generator(7);
    for (auto& c : random) c = static_cast<char>(generator());
    tmp_.write("pkg/lib/other.js", random);
    id_ = {util::sha256_hex("a key"), "app", "tsc -b"};
    Entry entry;
    entry.key = id_.key;
    entry.package = "packages/app";
    entry.name = "app";
    entry.command = "tsc -b";
    entry.manifest = "memo-key-manifest 1\n";
    entry.created = "2026-12-02T00:00:00Z";
    auto stored =
        store_a_.put(entry, tmp_ / "pkg", {{"lib/index.js", false}, {"lib/other.js", false}});
    EXPECT_TRUE(stored);
    entry_ = stored->entry;
  }

  // A cache over store `local` and a FakeBackend that shares `remote_` (by copy in and out).
  struct Layered {
    FakeBackend* remote;
    std::unique_ptr<Cache> cache;
  };
  Layered make(LocalStore& local, CachePolicy policy) {
    auto backend = std::make_unique<FakeBackend>();
    backend->artifacts = shared_;
    FakeBackend* raw = backend.get();
    return {raw, std::make_unique<Cache>(local, std::move(backend), policy)};
  }

  // CI: stores and uploads; what it uploaded becomes the shared remote.
  void ci_uploads() {
    auto ci = make(store_a_, {.write_remote = true});
    ci.cache->upload(id_, entry_);
    ci.cache->finish_uploads();
    shared_ = ci.remote->artifacts;
  }

  TempDir tmp_;
  LocalStore store_a_, store_b_;
  remote::ArtifactId id_;
  Entry entry_;
  std::map<std::string, std::string> shared_;
};

TEST_F(LayeredCacheTest, AnUploadedEntryIsARemoteHitThatFillsTheLocalStore) {
  ci_uploads();
  ASSERT_EQ(shared_.size(), 1u);
  auto laptop = make(store_b_, {});
  auto found = laptop.cache->find(id_);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->source, HitSource::Remote);
  EXPECT_EQ((*found)->entry.outputs, entry_.outputs);
  EXPECT_GT((*found)->downloaded, 0u);
  // Now local: the remote is not asked again.
  auto again = laptop.cache->find(id_);
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->source, HitSource::Local);
  EXPECT_EQ(laptop.remote->gets, 1);
}

TEST_F(LayeredCacheTest, TheRemoteIsWrittenOnlyWhenThePolicySaysSo) {
  auto laptop = make(store_a_, {});
  laptop.cache->upload(id_, entry_);
  laptop.cache->finish_uploads();
  EXPECT_EQ(laptop.remote->puts, 0);
  EXPECT_TRUE(laptop.remote->artifacts.empty());
}

TEST_F(LayeredCacheTest, ARemoteThatIsNotReadIsNeverAsked) {
  ci_uploads();
  auto offline = make(store_b_, {.read_remote = false});
  auto found = offline.cache->find(id_);
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
  EXPECT_EQ(offline.remote->gets, 0);
}

TEST_F(LayeredCacheTest, AnUnreachableRemoteIsSkippedAfterAFewFailures) {
  auto laptop = make(store_b_, {.unreachable_limit = 3});
  laptop.remote->fail_next(RemoteError::Kind::Unreachable, 10);
  for (int i = 0; i < 6; ++i) {
    auto found = laptop.cache->find(id_);
    ASSERT_TRUE(found);
    EXPECT_FALSE(*found);
  }
  EXPECT_EQ(laptop.remote->gets, 3);
}

TEST_F(LayeredCacheTest, AConnectTimeoutSkipsTheRemoteAtOnce) {
  auto laptop = make(store_b_, {.write_remote = true});
  laptop.remote->fail_next(RemoteError::Kind::Unreachable, 1, /*connect_timed_out=*/true);
  EXPECT_FALSE(*laptop.cache->find(id_));
  EXPECT_FALSE(*laptop.cache->find(id_));
  laptop.cache->upload(id_, entry_);
  laptop.cache->finish_uploads();
  EXPECT_EQ(laptop.remote->gets, 1);
  EXPECT_EQ(laptop.remote->puts, 0);
}

TEST_F(LayeredCacheTest, NothingIsUploadedOnceTheRemoteWasUnreachable) {
  auto ci = make(store_a_, {.write_remote = true});
  ci.remote->fail_next(RemoteError::Kind::Unreachable, 1);
  EXPECT_FALSE(*ci.cache->find({util::sha256_hex("not stored"), "app", "tsc -b"}));
  ci.cache->upload(id_, entry_);
  ci.cache->finish_uploads();
  EXPECT_EQ(ci.remote->puts, 0);
}

TEST_F(LayeredCacheTest, AReadThatBrokeOffIsTriedOnceMore) {
  ci_uploads();
  auto laptop = make(store_b_, {});
  laptop.remote->fail_next(RemoteError::Kind::Stalled, 1);
  auto found = laptop.cache->find(id_);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(laptop.remote->gets, 2);
}

TEST_F(LayeredCacheTest, ARefusedUploadStopsTheWritesButNotTheReads) {
  auto ci = make(store_a_, {.write_remote = true});
  ci.remote->fail_next(RemoteError::Kind::Denied, 1);
  ci.cache->upload(id_, entry_);
  ci.cache->finish_uploads();
  ci.cache->upload(id_, entry_);
  ci.cache->finish_uploads();
  EXPECT_EQ(ci.remote->puts, 1);
  EXPECT_TRUE(ci.remote->artifacts.empty());
  (void)ci.cache->find({util::sha256_hex("other"), "app", "tsc -b"});
  EXPECT_EQ(ci.remote->gets, 1);
}

TEST_F(LayeredCacheTest, MaxSizeKeepsBigEntriesOnTheirSide) {
  auto ci = make(store_a_, {.write_remote = true, .max_size = 1000});
  ci.cache->upload(id_, entry_);
  ci.cache->finish_uploads();
  EXPECT_EQ(ci.remote->puts, 0);

  ci_uploads();
  auto laptop = make(store_b_, {.max_size = 1000});
  auto found = laptop.cache->find(id_);
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
}

TEST_F(LayeredCacheTest, ADamagedRemoteArtifactIsAMissAndLeavesNoEntry) {
  ci_uploads();
  std::string& bytes = shared_.begin()->second;
  bytes[bytes.size() / 2] ^= 0x10;
  auto laptop = make(store_b_, {});
  auto found = laptop.cache->find(id_);
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
  EXPECT_FALSE(*store_b_.get(id_.key));
}

}  // namespace
}  // namespace memo::store
