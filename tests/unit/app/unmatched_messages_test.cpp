#include "app/unmatched_messages.h"

#include <catch2/catch.hpp>

namespace sdx {

TEST_CASE("each distinct unmatched message is logged once, up to a cap", "[unmatched]") {
  UnmatchedMessages log(3);
  CHECK(log.note("api", "新的原因 A"));
  CHECK_FALSE(log.note("api", "新的原因 A"));
  CHECK(log.note("api", "新的原因 B"));
  CHECK(log.note("api", std::string(5000, 'x')));
  CHECK_FALSE(log.note("api", "新的原因 C"));  // over the cap: counted elsewhere, not logged
  CHECK(log.size() == 3);
}

TEST_CASE("long texts differing only far in count as one", "[unmatched]") {
  UnmatchedMessages log;
  CHECK(log.note("api", std::string(1000, 'a') + "1"));
  CHECK_FALSE(log.note("api", std::string(1000, 'a') + "2"));
}

}  // namespace sdx
