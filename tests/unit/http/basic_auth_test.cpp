#include "http/basic_auth.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

namespace {

// Made with apache2-utils: htpasswd -nbBC 4 alice 'correct horse' and
// htpasswd -nbBC 5 bob 'pa:ss' (independent of libxcrypt).
const std::string kAlice = "$2y$04$B248fxXsXtH8gJE38jSyZubCT72BUXn.jEzD/jzHfaTVyqaNf4q8.";
const std::string kBob = "$2y$05$Px./oTEM3Jto.OH6uSLa0O3QF73REJUM4.MH5hUuvvwvmESqtqx8G";

sdx::HttpRequest with_authorization(const std::string& value) {
  sdx::HttpRequest request;
  request.headers.emplace_back("authorization", value);
  return request;
}

}  // namespace

TEST_CASE("crypt_matches checks bcrypt hashes made by htpasswd", "[http][basic_auth]") {
  CHECK(sdx::crypt_matches("correct horse", kAlice));
  CHECK_FALSE(sdx::crypt_matches("correct horsE", kAlice));
  CHECK_FALSE(sdx::crypt_matches("", kAlice));
  CHECK(sdx::crypt_matches("pa:ss", kBob));
  CHECK_FALSE(sdx::crypt_matches("correct horse", "not a hash"));
  CHECK_FALSE(sdx::crypt_matches(std::string("correct horse\0x", 15), kAlice));
}

TEST_CASE("parse_basic_authorization", "[http][basic_auth]") {
  // "alice:correct horse" and "bob:pa:ss" in base64 (RFC 7617: the first colon splits).
  auto a = sdx::parse_basic_authorization("Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==");
  REQUIRE(a);
  CHECK(a->first == "alice");
  CHECK(a->second == "correct horse");
  auto b = sdx::parse_basic_authorization("basic Ym9iOnBhOnNz");
  REQUIRE(b);
  CHECK(b->first == "bob");
  CHECK(b->second == "pa:ss");
  CHECK_FALSE(sdx::parse_basic_authorization("Bearer YWxpY2U6eA=="));
  CHECK_FALSE(sdx::parse_basic_authorization("Basic "));
  CHECK_FALSE(sdx::parse_basic_authorization("Basic !!!!"));
  CHECK_FALSE(sdx::parse_basic_authorization("Basic YWxpY2U="));  // "alice": no colon
}

TEST_CASE("BasicAuth answers 401 with a challenge unless the password is right",
          "[http][basic_auth]") {
  const sdx::BasicAuth auth({{"alice", kAlice}, {"bob", kBob}});
  REQUIRE(auth.enabled());
  auto denied = auth.check(sdx::HttpRequest{});
  REQUIRE(denied);
  CHECK(denied->status == 401);
  REQUIRE(denied->headers.size() == 1);
  CHECK(denied->headers[0].first == "WWW-Authenticate");
  CHECK(denied->headers[0].second.rfind("Basic", 0) == 0);

  CHECK_FALSE(auth.check(with_authorization("Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==")));
  CHECK_FALSE(auth.check(with_authorization("Basic Ym9iOnBhOnNz")));
  // alice:wrong, and bob with alice's password, and an unknown user.
  CHECK(auth.check(with_authorization("Basic YWxpY2U6d3Jvbmc="))->status == 401);
  CHECK(auth.check(with_authorization("Basic Ym9iOmNvcnJlY3QgaG9yc2U="))->status == 401);
  CHECK(auth.check(with_authorization("Basic bWFsbG9yeTpjb3JyZWN0IGhvcnNl"))->status == 401);
}

TEST_CASE("BasicAuth remembers successful checks only", "[http][basic_auth]") {
  const sdx::BasicAuth auth({{"alice", kAlice}});
  CHECK(auth.cached() == 0);
  CHECK_FALSE(auth.verify("alice", "wrong"));
  CHECK(auth.cached() == 0);
  CHECK(auth.verify("alice", "correct horse"));
  CHECK(auth.cached() == 1);
  CHECK(auth.verify("alice", "correct horse"));
  CHECK(auth.cached() == 1);
  CHECK_FALSE(auth.verify("alice", "correct horse "));
  CHECK_FALSE(auth.verify("alicE", "correct horse"));
}

TEST_CASE("BasicAuth without users lets everything through", "[http][basic_auth]") {
  const sdx::BasicAuth auth({});
  CHECK_FALSE(auth.enabled());
  CHECK_FALSE(auth.check(sdx::HttpRequest{}));
  CHECK_FALSE(auth.verify("anyone", "anything"));
}
