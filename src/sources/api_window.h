#pragma once
// Time windows for the records API (DescribeLiveStreamEventList): which
// span to ask for next, and halving a span whose rows the API cannot page
// through. Unix seconds; a window is sent as StartTime = start and EndTime =
// end. Successive windows share their boundary second (whether the API
// counts EndTime in is not documented): the de-duplication (record_dedup.h)
// drops what both return.
#include <cstdint>
#include <optional>
#include <utility>

namespace sdx {

struct ApiWindow {
  int64_t start = 0;
  int64_t end = 0;
  bool operator==(const ApiWindow&) const = default;
};

// The API keeps 60 days of records; a request starting earlier is refused,
// so the oldest usable start keeps a margin for clock differences.
inline constexpr int64_t kApiHistorySeconds = int64_t{60} * 86400;
inline constexpr int64_t kApiHistoryMargin = 600;
// At most this many rows of one query are reachable (PageNum x PageSize).
inline constexpr int64_t kApiReachableRows = 10000;
inline constexpr int kApiPageSize = 100;
// The API allows a 30-day span; a day keeps a catch-up's windows small.
inline constexpr int64_t kApiMaxWindowSeconds = 86400;

// The oldest start the API still serves at `now`.
int64_t oldest_api_start(int64_t now);

// Where a source that has processed nothing starts: `lookback` before now,
// but not before the API's history.
int64_t first_cursor(int64_t now, int64_t lookback_seconds);

// The next window after `cursor` (end of the last processed window):
// [cursor, min(now - lag, cursor + max span)], with a cursor older than the
// API's history moved up to it. nullopt while less than a second has passed.
std::optional<ApiWindow> next_window(int64_t cursor, int64_t now, int64_t lag_seconds);

// A window whose TotalNum exceeds kApiReachableRows, in two halves sharing
// their middle second (earlier half first); nullopt when it spans a single
// second and cannot be split.
std::optional<std::pair<ApiWindow, ApiWindow>> split_window(ApiWindow window);

}  // namespace sdx
