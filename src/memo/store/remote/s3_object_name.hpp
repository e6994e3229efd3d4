#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "memo/store/remote/backend.hpp"

namespace memo::store::remote {

// How the s3 backend names an artifact in its bucket: the prefix, then the key template with
// the artifact's key, package and command filled in ("caches/<workspace>/<command>/<key>").
class S3ObjectNamer {
 public:
  // The placeholders a template may hold: <key>, <package> (or <workspace>), <command> (or
  // <cmd>). The error says what is wrong, without naming the option (the caller does).
  static std::expected<S3ObjectNamer, std::string> parse(std::string_view prefix,
                                                         std::string_view key_template);

  // The object name for `id`. A package's or command's '/' is kept (Microlambda's layout has
  // "@scope/app" as two folders); control characters, and a segment that is "." or "..",
  // are written as %XX so that no URL can lose or fold them.
  std::string object_name(const ArtifactId& id) const;

 private:
  enum class Part { Literal, Key, Package, Command };
  struct Piece {
    Part part = Part::Literal;
    std::string text;  // for Literal
  };
  std::vector<Piece> pieces_;
};

// `object_name` as the path of an S3 URL: every '/'-separated segment percent-encoded the way
// SigV4's canonical request expects (unreserved characters kept).
std::string s3_url_path(std::string_view object_name);

}  // namespace memo::store::remote
