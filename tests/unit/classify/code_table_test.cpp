#include "classify/code_table.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace sdx {
namespace {

CodeEntry entry(int64_t errcode, int64_t sub, Category category, std::string reason) {
  CodeEntry e;
  e.errcode = errcode;
  e.sub_errcode = sub;
  e.category = category;
  e.reason = std::move(reason);
  return e;
}

}  // namespace

TEST_CASE("an empty table finds nothing", "[classify]") {
  const CodeTable table;
  CHECK(table.size() == 0);
  CHECK_FALSE(table.find(1, 0));
  CHECK_FALSE(table.find(18, 202));
  CHECK_FALSE(table.has_sub_codes(18));
  CHECK(table.sub_codes_of(18).empty());
}

TEST_CASE("built-in table finds plain and sub-coded rows", "[classify]") {
  const CodeTable table = CodeTable::builtin();
  REQUIRE(table.size() == 72);
  REQUIRE(table.entries().size() == 72);

  auto one = table.find(1, 0);  // direct-array path
  REQUIRE(one);
  CHECK(table.at(*one).errcode == 1);
  CHECK(table.at(*one).category == Category::client_closed);

  auto arrears = table.find(18, 202);  // sorted-vector path
  REQUIRE(arrears);
  CHECK(table.at(*arrears).sub_errcode == 202);
  CHECK(table.at(*arrears).category == Category::arrears);

  CHECK_FALSE(table.find(40, 0));
  CHECK_FALSE(table.find(18, 999));
  CHECK_FALSE(table.find(1, 5));
  CHECK_FALSE(table.find(-1, 0));
  CHECK_FALSE(table.find(255, 0));
  CHECK_FALSE(table.find(256, 0));
  CHECK_FALSE(table.find(INT64_MAX, INT64_MIN));

  // Every row is found at its own index.
  for (uint32_t i = 0; i < table.size(); ++i) {
    auto found = table.find(table.at(i).errcode, table.at(i).sub_errcode);
    REQUIRE(found);
    CHECK(*found == i);
  }
}

TEST_CASE("sub_codes_of lists only the non-zero sub-codes", "[classify]") {
  const CodeTable table = CodeTable::builtin();
  CHECK(table.sub_codes_of(18).size() ==
        28);  // 100-104, 200-203, 300-309, 400-401, 500-503, 600-602
  CHECK(table.sub_codes_of(21).size() == 4);
  CHECK(table.sub_codes_of(1).empty());
  CHECK(table.sub_codes_of(99).empty());
  for (uint32_t index : table.sub_codes_of(18)) {
    CHECK(table.at(index).errcode == 18);
    CHECK(table.at(index).sub_errcode != 0);
  }
  CHECK(table.has_sub_codes(18));
  CHECK(table.has_sub_codes(21));
  CHECK_FALSE(table.has_sub_codes(1));
  CHECK_FALSE(table.has_sub_codes(19));
  CHECK_FALSE(table.has_sub_codes(99));
}

TEST_CASE("upsert replaces in place and appends new pairs", "[classify]") {
  CodeTable table = CodeTable::builtin();
  const size_t before = table.size();
  const uint32_t one = *table.find(1, 0);

  // Replacing keeps the index: it is a counter slot.
  CHECK(table.upsert(entry(1, 0, Category::network, "custom_one")) == one);
  CHECK(table.size() == before);
  CHECK(table.at(one).category == Category::network);
  CHECK(table.at(one).reason == "custom_one");

  const uint32_t arrears = *table.find(18, 202);
  CHECK(table.upsert(entry(18, 202, Category::quota, "custom_arrears")) == arrears);
  CHECK(table.at(arrears).category == Category::quota);

  // New pairs get the next index, whichever lookup path they use.
  const uint32_t plain = table.upsert(entry(40, 0, Category::protocol_error, "bad_codec"));
  CHECK(plain == before);
  CHECK(table.find(40, 0) == plain);
  const uint32_t big = table.upsert(entry(100000, 0, Category::network, "big_code"));
  CHECK(table.find(100000, 0) == big);
  const uint32_t negative = table.upsert(entry(-5, 3, Category::idle, "negative_code"));
  CHECK(table.find(-5, 3) == negative);
  CHECK(table.has_sub_codes(-5));
  CHECK(table.size() == before + 3);

  // Earlier indices did not move.
  CHECK(table.find(1, 0) == one);
  CHECK(table.find(18, 202) == arrears);
}

}  // namespace sdx
