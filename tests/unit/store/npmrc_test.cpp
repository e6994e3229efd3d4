#include "memo/store/remote/npmrc.hpp"

#include <gtest/gtest.h>

#include "memo/util/base64.hpp"

namespace memo::store::remote {
namespace {

using Values = std::map<std::string, std::string>;

EnvLookup env_of(std::map<std::string, std::string> variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

Values parse(std::string_view text, std::map<std::string, std::string> env = {}) {
  return parse_npmrc(text, env_of(std::move(env)));
}

TEST(Npmrc, KeysAndValuesAsTheIniFormatReadsThem) {
  Values values = parse(
      "registry=https://registry.example.com/\n"
      "  //registry.example.com/:_authToken = abc=def==  \r\n"
      "; a comment\n"
      "# another\n"
      "\n"
      "quoted = \"a ; b # c\"\n"
      "single = 'x # y'\n"
      "cut = value ; trailing comment\n"
      "hash = value # trailing comment\n"
      "escaped = a\\;b\\#c\\\\d\\e\n"
      "flag\n"
      "=no key\n"
      "list[] = one\n"
      "same = first\n"
      "same = second\n");
  EXPECT_EQ(values["registry"], "https://registry.example.com/");
  EXPECT_EQ(values["//registry.example.com/:_authToken"], "abc=def==");
  EXPECT_EQ(values["quoted"], "a ; b # c");
  EXPECT_EQ(values["single"], "x # y");
  EXPECT_EQ(values["cut"], "value");
  EXPECT_EQ(values["hash"], "value");
  EXPECT_EQ(values["escaped"], "a;b#c\\d\\e");
  EXPECT_EQ(values["flag"], "true");
  EXPECT_EQ(values["same"], "second");
  EXPECT_EQ(values.count(""), 0u);
  EXPECT_EQ(values.count("list[]"), 0u);
  EXPECT_EQ(values.count("list"), 0u);
}

TEST(Npmrc, KeysInsideASectionAreNotTopLevel) {
  Values values = parse("top = 1\n[section]\n//host/:_authToken = hidden\n");
  EXPECT_EQ(values["top"], "1");
  EXPECT_EQ(values.count("//host/:_authToken"), 0u);
}

TEST(Npmrc, EnvironmentPlaceholdersAreExpandedAsNpmDoes) {
  Values values = parse(
      "//host/:_authToken=${NPM_TOKEN}\n"
      "unset=${NOT_SET}\n"
      "optional=[${NOT_SET?}]\n"
      "optional_set=${NPM_TOKEN?}\n"
      "escaped=\\\\${NPM_TOKEN}\n"
      "escaped_once=x\\${NPM_TOKEN}\n"
      "even=\\\\\\\\${NPM_TOKEN}\n"
      "two=${A}-${B}\n"
      "//${HOST}/:_authToken=keyed\n"
      "not_a_placeholder=${} ${A ${B\n",
      {{"NPM_TOKEN", "tok"}, {"A", "a"}, {"B", "b"}, {"HOST", "reg.example.com"}});
  EXPECT_EQ(values["//host/:_authToken"], "tok");
  EXPECT_EQ(values["unset"], "${NOT_SET}");
  EXPECT_EQ(values["optional"], "[]");
  EXPECT_EQ(values["optional_set"], "tok");
  // ini first turns "\\" into "\", then that one backslash escapes the placeholder.
  EXPECT_EQ(values["escaped"], "${NPM_TOKEN}");
  EXPECT_EQ(values["escaped_once"], "x${NPM_TOKEN}");
  // Four in the file, two after ini: an even run keeps half and expands.
  EXPECT_EQ(values["even"], "\\tok");
  EXPECT_EQ(values["two"], "a-b");
  EXPECT_EQ(values["//reg.example.com/:_authToken"], "keyed");
  EXPECT_EQ(values["not_a_placeholder"], "${} ${A ${B");
}

TEST(Npmrc, CredentialsKeyIsTheUrlWithoutSchemeOrDefaultPort) {
  EXPECT_EQ(npm_credentials_key("http://127.0.0.1:4873"), "//127.0.0.1:4873/");
  EXPECT_EQ(npm_credentials_key("https://Registry.Example.com:443/npm/feed"),
            "//registry.example.com/npm/feed/");
  EXPECT_EQ(npm_credentials_key("http://registry.example.com:80/"), "//registry.example.com/");
  EXPECT_EQ(npm_credentials_key("http://registry.example.com:8080/x/"),
            "//registry.example.com:8080/x/");
}

TEST(Npmrc, TheLongestMatchingPrefixWins) {
  Values values = {{"//reg.example.com/:_authToken", "host-token"},
                   {"//reg.example.com/npm/feed/:_authToken", "feed-token"},
                   {"//other.example.com/:_authToken", "other"}};
  auto feed = npm_credentials_for(values, "https://reg.example.com/npm/feed/");
  EXPECT_EQ(feed.kind, NpmCredentials::Kind::Token);
  EXPECT_EQ(feed.token, "feed-token");
  EXPECT_EQ(feed.key, "//reg.example.com/npm/feed/");
  EXPECT_EQ(feed.authorization_header(), "Authorization: Bearer feed-token");

  auto other_feed = npm_credentials_for(values, "https://reg.example.com/npm/other/");
  EXPECT_EQ(other_feed.token, "host-token");
  EXPECT_EQ(other_feed.key, "//reg.example.com/");

  auto nothing = npm_credentials_for(values, "https://elsewhere.example.com/");
  EXPECT_EQ(nothing.kind, NpmCredentials::Kind::None);
  EXPECT_EQ(nothing.authorization_header(), "");
}

TEST(Npmrc, AKeyWithoutItsTrailingSlashMatchesToo) {
  Values values = {{"//reg.example.com/npm/feed:_authToken", "no-slash"}};
  EXPECT_EQ(npm_credentials_for(values, "https://reg.example.com/npm/feed/").token, "no-slash");
  Values host_only = {{"//reg.example.com:_authToken", "host"}};
  EXPECT_EQ(npm_credentials_for(host_only, "https://reg.example.com/npm/").token, "host");
}

TEST(Npmrc, AuthAndUsernamePasswordAreBasic) {
  const std::string auth = util::base64_encode("ci:p@ss:word");
  auto basic =
      npm_credentials_for({{"//reg.example.com/:_auth", auth}}, "https://reg.example.com/");
  EXPECT_EQ(basic.kind, NpmCredentials::Kind::Basic);
  EXPECT_EQ(basic.authorization_header(), "Authorization: Basic " + auth);
  EXPECT_NE(std::find(basic.secrets.begin(), basic.secrets.end(), "p@ss:word"),
            basic.secrets.end());

  auto pair = npm_credentials_for({{"//reg.example.com/:username", "ci"},
                                   {"//reg.example.com/:_password", util::base64_encode("pw")}},
                                  "https://reg.example.com/");
  EXPECT_EQ(pair.kind, NpmCredentials::Kind::Basic);
  EXPECT_EQ(pair.token, util::base64_encode("ci:pw"));
  EXPECT_NE(std::find(pair.secrets.begin(), pair.secrets.end(), "pw"), pair.secrets.end());

  auto half =
      npm_credentials_for({{"//reg.example.com/:username", "ci"}}, "https://reg.example.com/");
  EXPECT_EQ(half.kind, NpmCredentials::Kind::None);
}

TEST(Npmrc, ATokenWinsOverBasicAtTheSamePrefix) {
  auto both = npm_credentials_for({{"//reg.example.com/:_auth", util::base64_encode("a:b")},
                                   {"//reg.example.com/:_authToken", "tok"}},
                                  "https://reg.example.com/");
  EXPECT_EQ(both.kind, NpmCredentials::Kind::Token);
  EXPECT_EQ(both.token, "tok");
}

TEST(Npmrc, UnscopedCredentialsAndEmptyTokensAreIgnored) {
  EXPECT_EQ(npm_credentials_for({{"_authToken", "legacy"}, {"_auth", "bGVnYWN5OngK"}},
                                "https://reg.example.com/")
                .kind,
            NpmCredentials::Kind::None);
  Values values = parse("//reg.example.com/:_authToken=${NPM_TOKEN?}\n");
  EXPECT_EQ(npm_credentials_for(values, "https://reg.example.com/").kind,
            NpmCredentials::Kind::None);
}

}  // namespace
}  // namespace memo::store::remote
