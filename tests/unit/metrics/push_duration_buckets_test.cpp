#include "metrics/push_duration_buckets.h"

#include <catch2/catch.hpp>

using namespace sdx;

TEST_CASE("a push duration falls in the first bucket whose bound holds it",
          "[metrics][histogram]") {
  // Prometheus `le`: a value equal to a bound is in that bound's bucket.
  CHECK(push_duration_cell_name(push_duration_bucket(0)) == "1");
  CHECK(push_duration_cell_name(push_duration_bucket(1000)) == "1");
  CHECK(push_duration_cell_name(push_duration_bucket(1001)) == "10");
  CHECK(push_duration_cell_name(push_duration_bucket(60000)) == "60");
  CHECK(push_duration_cell_name(push_duration_bucket(60001)) == "300");
  CHECK(push_duration_cell_name(push_duration_bucket(3600000)) == "3600");
  CHECK(push_duration_cell_name(push_duration_bucket(86400000)) == "86400");
  CHECK(push_duration_cell_name(push_duration_bucket(86400001)) == "+Inf");
  CHECK(push_duration_cell_name(push_duration_bucket(INT64_MAX / 2)) == "+Inf");
}

TEST_CASE("cell names round-trip, sum included", "[metrics][histogram]") {
  for (size_t cell = 0; cell < kPushDurationCells; ++cell) {
    CHECK(push_duration_cell_from_name(push_duration_cell_name(cell)) == cell);
  }
  CHECK(push_duration_cell_name(kPushDurationSumCell) == "sum");
  CHECK_FALSE(push_duration_cell_from_name("2").has_value());
}
