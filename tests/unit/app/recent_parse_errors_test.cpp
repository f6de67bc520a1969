#include "app/recent_parse_errors.h"

#include <catch2/catch.hpp>
#include <string>

TEST_CASE("recent parse errors: newest first, bounded, masked", "[app][recent_parse_errors]") {
  sdx::RecentParseErrors errors(3);
  for (int i = 0; i < 5; ++i) errors.add("s" + std::to_string(i), "invalid_json", "line");
  auto shown = errors.snapshot();
  REQUIRE(shown.size() == 3);
  CHECK(shown[0].source == "s4");
  CHECK(shown[2].source == "s2");
  errors.add("src", "wrong_type",
             R"({"stream_id":"x","push_url":"rtmp://h/live/x?txSecret=deadbeef&txTime=5F000000"})");
  const auto latest = errors.snapshot();
  const auto& e = latest.front();
  CHECK(e.reason == "wrong_type");
  CHECK(e.excerpt.find("deadbeef") == std::string::npos);
  CHECK(e.excerpt.find("stream_id") != std::string::npos);
}
