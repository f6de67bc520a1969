#include "sources/api_window.h"

#include <catch2/catch.hpp>

namespace sdx {

TEST_CASE("first window goes back lookback, never past the 60-day history", "[api_window]") {
  const int64_t now = 1'700'000'000;
  CHECK(first_cursor(now, 3600) == now - 3600);
  CHECK(first_cursor(now, 90 * 86400) == now - 60 * 86400 + 600);
}

TEST_CASE("next window runs from the cursor to now - lag", "[api_window]") {
  const int64_t now = 1'700'000'000;
  CHECK(next_window(now - 300, now, 120) == ApiWindow{now - 300, now - 120});
  CHECK(next_window(now - 5, now, 0) == ApiWindow{now - 5, now});
  // Less than a second of new time: nothing to ask yet.
  CHECK_FALSE(next_window(now, now, 0));
  CHECK_FALSE(next_window(now - 100, now, 120));
  // A long catch-up goes a day at a time.
  CHECK(next_window(now - 3 * 86400, now, 60) == ApiWindow{now - 3 * 86400, now - 2 * 86400});
  // A cursor older than the history restarts at its oldest point.
  CHECK(next_window(now - 90 * 86400, now, 60)->start == now - 60 * 86400 + 600);
}

TEST_CASE("a window over the reachable rows splits in halves sharing a second", "[api_window]") {
  auto halves = split_window({1000, 2000});
  REQUIRE(halves);
  CHECK(halves->first == ApiWindow{1000, 1500});
  CHECK(halves->second == ApiWindow{1500, 2000});
  auto odd = split_window({1000, 1003});
  REQUIRE(odd);
  CHECK(odd->first == ApiWindow{1000, 1001});
  CHECK(odd->second == ApiWindow{1001, 1003});
  auto two = split_window({1000, 1002});
  REQUIRE(two);
  CHECK(two->first == ApiWindow{1000, 1001});
  // One second cannot be split: the caller takes the reachable rows.
  CHECK_FALSE(split_window({1000, 1001}));
  CHECK_FALSE(split_window({1000, 1000}));
}

TEST_CASE("repeated splitting covers the window without a gap", "[api_window]") {
  // Split everything down to single seconds: the pieces, in order, chain
  // end to start and cover [start, end] exactly.
  std::vector<ApiWindow> pending = {{0, 37}};
  std::vector<ApiWindow> done;
  while (!pending.empty()) {
    ApiWindow w = pending.back();
    pending.pop_back();
    if (auto halves = split_window(w)) {
      pending.push_back(halves->second);
      pending.push_back(halves->first);
    } else {
      done.push_back(w);
    }
  }
  REQUIRE(done.front().start == 0);
  REQUIRE(done.back().end == 37);
  for (size_t i = 1; i < done.size(); ++i) CHECK(done[i].start == done[i - 1].end);
  CHECK(done.size() == 37);
}

}  // namespace sdx
