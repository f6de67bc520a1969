#include "config/duration.h"

#include <catch2/catch.hpp>

namespace sdx {
namespace {

using std::chrono::milliseconds;

std::string error_of(std::string_view text) {
  std::string error;
  const auto parsed = parse_duration(text, error);
  CHECK_FALSE(parsed);
  return error;
}

TEST_CASE("parse_duration reads units and compounds", "[config]") {
  std::string error;
  CHECK(parse_duration("250ms", error) == milliseconds(250));
  CHECK(parse_duration("5s", error) == milliseconds(5000));
  CHECK(parse_duration("1m", error) == milliseconds(60'000));
  CHECK(parse_duration("2h", error) == milliseconds(7'200'000));
  CHECK(parse_duration("1m30s", error) == milliseconds(90'000));
  CHECK(parse_duration("1h2m3s4ms", error) == milliseconds(3'723'004));
  CHECK(parse_duration("0s1ms", error) == milliseconds(1));
  CHECK(error.empty());
}

TEST_CASE("parse_duration refuses what it cannot read exactly", "[config]") {
  using Catch::Contains;
  CHECK_THAT(error_of(""), Contains("empty"));
  CHECK_THAT(error_of("5"), Contains("\"5\" has no unit"));
  CHECK_THAT(error_of("5x"), Contains("unknown unit \"x\""));
  CHECK_THAT(error_of("5 s"), Contains("unknown unit \" s\""));
  CHECK_THAT(error_of("5sec"), Contains("not a duration"));
  CHECK_THAT(error_of("0s"), Contains("longer than zero"));
  CHECK_THAT(error_of("0.5s"), Contains("fraction"));
  CHECK_THAT(error_of("30s1m"), Contains("largest first"));
  CHECK_THAT(error_of("1s1s"), Contains("largest first"));
  CHECK_THAT(error_of("-5s"), Contains("not a duration"));
  CHECK_THAT(error_of(" 5s"), Contains("not a duration"));
  CHECK_THAT(error_of("99999999999999999999ms"), Contains("too large"));
  CHECK_THAT(error_of("9999999999999999h"), Contains("too large"));
}

}  // namespace
}  // namespace sdx
