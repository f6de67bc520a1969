#include "app/rate_limited_log.h"

#include <catch2/catch.hpp>

using sdx::log_excerpt;

TEST_CASE("log excerpts mask push secrets and callback signatures", "[app]") {
  std::string line =
      R"({"sign":"a6cecc1b78e510617311d8a3c2ce6f44","stream_param":"txSecret=339c4094&txTime=59c91afc"})";
  std::string excerpt = log_excerpt(line, 500);
  CHECK(excerpt.find("a6cecc1b") == std::string::npos);
  CHECK(excerpt.find("339c4094") == std::string::npos);
  CHECK(excerpt.find("59c91afc") == std::string::npos);
  CHECK(excerpt.find("txSecret=***") != std::string::npos);
  CHECK(excerpt.find(R"("sign":"***")") != std::string::npos);
}

TEST_CASE("log excerpts mask secrets whatever the spacing", "[app]") {
  const std::string line =
      "{\"sign\" :  \"a6cecc1b78e5\", \"t\": 1764000600,\"t\":\"1764000601\",\n"
      "\"stream_param\": \"a=1&txSecret=339c4094&txTime=59c91afc\", \"txTime\" : \"5a000000\","
      " \"note\": \"t is fine\", \"sign\"\t:\t\"x\\\"yz77\"}";
  const std::string excerpt = log_excerpt(line, 500);
  for (const char* secret :
       {"a6cecc1b", "1764000600", "1764000601", "339c4094", "59c91afc", "5a000000", "yz77"}) {
    INFO(secret << " in " << excerpt);
    CHECK(excerpt.find(secret) == std::string::npos);
  }
  CHECK(excerpt.find("\"note\": \"t is fine\"") != std::string::npos);
  CHECK(excerpt.find("\"t\": ***") != std::string::npos);
}

TEST_CASE("log excerpts are bounded and escape unprintable bytes", "[app]") {
  std::string line(1000, 'x');
  line[0] = '\n';
  line[1] = '\xff';
  std::string excerpt = log_excerpt(line, 100);
  CHECK(excerpt.rfind("\\x0a\\xff", 0) == 0);
  CHECK(excerpt.size() < 120);
  CHECK(excerpt.substr(excerpt.size() - 3) == "...");
}

TEST_CASE("the rate limiter holds back lines past its burst", "[app]") {
  sdx::RateLimitedLog log(3, std::chrono::seconds(3600));
  for (int i = 0; i < 10; ++i) log.warn("bad line");
  CHECK(log.suppressed_total() == 7);
}
