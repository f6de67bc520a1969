#include "metrics/counter_row.h"

#include <catch2/catch.hpp>

using sdx::CounterRow;

TEST_CASE("counter row keys round-trip, including awkward label values", "[metrics]") {
  CounterRow row;
  row.kind = CounterRow::Kind::disconnect;
  row.errcode = "18";
  row.sub_errcode = "202";
  row.label_values = {"push0.example.com",
                      "a:b\x1f"
                      "9:c",
                      "", std::string("\0x", 2)};
  CounterRow back;
  REQUIRE(CounterRow::from_key(row.key(), 42, back));
  CHECK(back.kind == row.kind);
  CHECK(back.errcode == "18");
  CHECK(back.sub_errcode == "202");
  CHECK(back.label_values == row.label_values);
  CHECK(back.value == 42);

  CounterRow push;
  push.kind = CounterRow::Kind::push;
  REQUIRE(CounterRow::from_key(push.key(), 7, back));
  CHECK(back.kind == CounterRow::Kind::push);
  CHECK(back.label_values.empty());
}

TEST_CASE("keys differ whenever rows differ", "[metrics]") {
  CounterRow a;
  a.errcode = "1";
  a.sub_errcode = "23";
  CounterRow b;
  b.errcode = "12";
  b.sub_errcode = "3";
  CHECK(a.key() != b.key());
  CounterRow c = a;
  c.label_values = {"x"};
  CHECK(a.key() != c.key());
}

TEST_CASE("malformed keys are refused", "[metrics]") {
  CounterRow out;
  CHECK_FALSE(CounterRow::from_key("", 1, out));
  CHECK_FALSE(CounterRow::from_key("x1:1", 1, out));
  CHECK_FALSE(CounterRow::from_key("d5:1", 1, out));
  CHECK_FALSE(CounterRow::from_key("d1:1", 1, out));
  CHECK_FALSE(CounterRow::from_key("dz:1", 1, out));
}
