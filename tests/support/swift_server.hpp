#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace memo::testing {

struct S3User {
  std::string access_key;  // Swift's "account:user"
  std::string secret_key;
};

// OpenStack Swift with its s3api middleware on 127.0.0.1: a real S3 server that checks SigV4
// signatures as strictly as AWS. One per test process, started on first use (the rings, then
// the account, container, object and proxy servers in the foreground, a few seconds), stopped
// when the process exits. Errors throw: a test cannot go on without its server.
class SwiftServer {
 public:
  static SwiftServer& shared();
  ~SwiftServer();
  SwiftServer(const SwiftServer&) = delete;
  SwiftServer& operator=(const SwiftServer&) = delete;

  // "http://127.0.0.1:<port>": path-style S3, region us-east-1.
  std::string endpoint() const;
  static std::string region() { return "us-east-1"; }
  // ci:tester, an admin of account ci: may do anything.
  static S3User admin();
  // ci:reader, not an admin: reads the buckets made readable (a container read ACL), writes
  // none.
  static S3User reader();

  // Makes a bucket as the admin; `readable` gives it Swift's read ACL ".r:*,.rlistings" (S3's
  // canned "public-read"), which lets the reader read it.
  void create_bucket(const std::string& bucket, bool readable = false);

  // Objects as the server holds them, by the admin, for tests that corrupt, truncate or
  // delete a stored entry behind memo's back.
  std::optional<std::string> get_object(const std::string& bucket, const std::string& name);
  void put_object(const std::string& bucket, const std::string& name, const std::string& bytes);
  void delete_object(const std::string& bucket, const std::string& name);
  // The object's ETag as S3 gives it: a multipart upload's ends in "-<parts>".
  std::optional<std::string> etag(const std::string& bucket, const std::string& name);
  // How many multipart uploads were begun and neither completed nor aborted.
  std::size_t unfinished_uploads(const std::string& bucket);
  // The names of the objects under `prefix`, in S3's order (up to 1000).
  std::vector<std::string> list_objects(const std::string& bucket, const std::string& prefix = "");

  // Stops every daemon (the port then refuses connections) / starts them again on the same
  // ports with the same data.
  void stop();
  void start();

 private:
  SwiftServer();
  void write_configs() const;
  void build_rings() const;

  TempDir dir_;  // first: removed after the daemons are stopped
  int proxy_port_ = 0;
  int account_port_ = 0;
  int container_port_ = 0;
  int object_port_ = 0;
  std::vector<std::unique_ptr<ServerProcess>> daemons_;
};

}  // namespace memo::testing
