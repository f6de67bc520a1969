#include "sources/record_dedup.h"

#include <catch2/catch.hpp>

namespace sdx {

TEST_CASE("a record is new once; any differing field makes another record", "[dedup]") {
  RecordDedup dedup;
  const RecordKey key{"push.example.com", "live", "s1", 100, 200};
  CHECK(dedup.insert(key));
  CHECK_FALSE(dedup.insert(key));
  for (RecordKey other : {RecordKey{"x.example.com", "live", "s1", 100, 200},
                          RecordKey{"push.example.com", "live2", "s1", 100, 200},
                          RecordKey{"push.example.com", "live", "s2", 100, 200},
                          RecordKey{"push.example.com", "live", "s1", 101, 200},
                          RecordKey{"push.example.com", "live", "s1", 100, 201}}) {
    CHECK(dedup.insert(other));
  }
  CHECK(dedup.size() == 6);
}

TEST_CASE("keys of records ended before the processed point are forgotten", "[dedup]") {
  RecordDedup dedup;
  dedup.insert({"d", "a", "early", 10, 99});
  dedup.insert({"d", "a", "edge", 10, 100});
  dedup.insert({"d", "a", "late", 10, 150});
  dedup.forget_before(100);
  CHECK(dedup.size() == 2);
  CHECK_FALSE(dedup.insert({"d", "a", "edge", 10, 100}));  // still known: may come back
  CHECK(dedup.insert({"d", "a", "early", 10, 99}));        // forgotten
}

TEST_CASE("dedup keys survive serialization, odd bytes included", "[dedup]") {
  RecordDedup dedup;
  dedup.insert({"d.example.com", "live", "a b\tc%d\ne", -5, 1700000000});
  dedup.insert({"", "", "", 0, 0});
  dedup.insert({"推流.example.com", "直播", "流", 1, 2});
  const std::string text = dedup.serialize();
  auto back = RecordDedup::parse(text);
  REQUIRE(back);
  CHECK(back->size() == 3);
  CHECK_FALSE(back->insert({"d.example.com", "live", "a b\tc%d\ne", -5, 1700000000}));
  CHECK_FALSE(back->insert({"", "", "", 0, 0}));
  CHECK_FALSE(back->insert({"推流.example.com", "直播", "流", 1, 2}));
  CHECK(back->serialize() == text);
}

TEST_CASE("malformed dedup text is refused", "[dedup]") {
  CHECK(RecordDedup::parse(""));
  for (const char* bad : {"1 2 d a\n", "1 2 d a s", "x 2 d a s\n", "1 2 d%G1 a s\n", "1 2 d% a s\n",
                          "1 2 d a s extra\n"}) {
    INFO(bad);
    CHECK_FALSE(RecordDedup::parse(bad));
  }
}

}  // namespace sdx
