#include "memo/util/digest.hpp"

#include <gtest/gtest.h>

namespace memo::util {
namespace {

TEST(Digest, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // `git hash-object` of an empty file and of "hello\n".
  EXPECT_EQ(git_blob_id(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(git_blob_id("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST(Digest, StreamingEqualsOneShot) {
  Hasher hasher(Hasher::Algorithm::Sha256);
  hasher.update("a");
  hasher.update("bc");
  EXPECT_EQ(hasher.hex_digest(), sha256_hex("abc"));
}

// RFC 4231 test cases 1 and 2.
TEST(Digest, HmacSha256KnownVectors) {
  const std::string key(20, '\x0b');
  const std::string mac = hmac_sha256(key, "Hi There");
  EXPECT_EQ(to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size()),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  const std::string jefe = hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(to_hex(reinterpret_cast<const unsigned char*>(jefe.data()), jefe.size()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, Sha512AndRawDigests) {
  Hasher sha512(Hasher::Algorithm::Sha512);
  sha512.update("abc");
  EXPECT_EQ(sha512.hex_digest(),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  Hasher raw(Hasher::Algorithm::Sha1);
  raw.update("abc");
  std::string bytes = raw.digest();
  ASSERT_EQ(bytes.size(), 20u);
  EXPECT_EQ(to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()),
            sha1_hex("abc"));
}

TEST(Digest, HexDigestCheck) {
  EXPECT_TRUE(is_hex_digest(sha256_hex("x"), 64));
  EXPECT_FALSE(is_hex_digest("ABCDEF", 6));
  EXPECT_FALSE(is_hex_digest("abc", 4));
  EXPECT_FALSE(is_hex_digest("../x", 4));
}

}  // namespace
}  // namespace memo::util
