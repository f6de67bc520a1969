#include "metrics/counter_row.h"

#include <catch2/catch.hpp>

using namespace sdx;

TEST_CASE("counter row keys round-trip with label names, including awkward values", "[metrics]") {
  CounterRow row;
  row.kind = CounterRow::Kind::disconnect;
  row.source = "callbacks";
  row.category = "arrears";
  row.errcode = "18";
  row.sub_errcode = "202";
  row.label_values = {"push0.example.com",
                      "a:b\x1f"
                      "9:c",
                      "", std::string("\0x", 2)};
  const std::vector<Dimension> dims = {Dimension::domain, Dimension::app, Dimension::appid,
                                       Dimension::stream};
  CounterRow back;
  std::vector<std::string> names;
  bool legacy = true;
  REQUIRE(CounterRow::from_key(row.key(dims), 42, back, names, legacy));
  CHECK_FALSE(legacy);
  CHECK(back.kind == row.kind);
  CHECK(back.source == "callbacks");
  CHECK(back.category == "arrears");
  CHECK(back.errcode == "18");
  CHECK(back.sub_errcode == "202");
  CHECK(back.label_values == row.label_values);
  CHECK(names == std::vector<std::string>{"domain", "app", "appid", "stream"});
  CHECK(back.value == 42);

  CounterRow push;
  push.kind = CounterRow::Kind::push;
  push.source = "s";
  REQUIRE(CounterRow::from_key(push.key({}), 7, back, names, legacy));
  CHECK(back.kind == CounterRow::Kind::push);
  CHECK(back.source == "s");
  CHECK(back.label_values.empty());
  CHECK(names.empty());
}

TEST_CASE("keys of the first state format are read as legacy", "[metrics]") {
  CounterRow back;
  std::vector<std::string> names;
  bool legacy = false;
  REQUIRE(CounterRow::from_key("d2:183:2021:x", 5, back, names, legacy));
  CHECK(legacy);
  CHECK(back.errcode == "18");
  CHECK(back.sub_errcode == "202");
  CHECK(back.label_values == std::vector<std::string>{"x"});
  CHECK(back.category.empty());
}

TEST_CASE("keys differ whenever rows differ", "[metrics]") {
  CounterRow a;
  a.errcode = "1";
  a.sub_errcode = "23";
  CounterRow b;
  b.errcode = "12";
  b.sub_errcode = "3";
  CHECK(a.key({}) != b.key({}));
  CHECK(a.series_key() != b.series_key());
  CounterRow c = a;
  c.label_values = {"x"};
  CHECK(a.series_key() != c.series_key());
  CounterRow d = a;
  d.category = "auth";
  CHECK(a.key({}) != d.key({}));
  CounterRow e = a;
  e.source = "other";
  CHECK(a.key({}) != e.key({}));
  CHECK(a.series_key() == e.series_key());  // sources merge in the exposition
  CHECK(c.key(std::vector{Dimension::domain}) != c.key(std::vector{Dimension::stream}));
}

TEST_CASE("malformed keys are refused", "[metrics]") {
  CounterRow out;
  std::vector<std::string> names;
  bool legacy = false;
  CHECK_FALSE(CounterRow::from_key("", 1, out, names, legacy));
  CHECK_FALSE(CounterRow::from_key("x1:1", 1, out, names, legacy));
  CHECK_FALSE(CounterRow::from_key("d5:1", 1, out, names, legacy));
  CHECK_FALSE(CounterRow::from_key("d1:1", 1, out, names, legacy));
  CHECK_FALSE(CounterRow::from_key("dz:1", 1, out, names, legacy));
  CHECK_FALSE(CounterRow::from_key("D1:s", 1, out, names, legacy));
  CHECK_FALSE(CounterRow::from_key("P1:s6:domain", 1, out, names, legacy));
}
