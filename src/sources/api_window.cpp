#include "sources/api_window.h"

#include <algorithm>

namespace sdx {

int64_t oldest_api_start(int64_t now) { return now - kApiHistorySeconds + kApiHistoryMargin; }

int64_t first_cursor(int64_t now, int64_t lookback_seconds) {
  return std::max(now - lookback_seconds, oldest_api_start(now));
}

std::optional<ApiWindow> next_window(int64_t cursor, int64_t now, int64_t lag_seconds) {
  const int64_t start = std::max(cursor, oldest_api_start(now));
  const int64_t end = std::min(now - lag_seconds, start + kApiMaxWindowSeconds);
  if (end <= start) return std::nullopt;
  return ApiWindow{start, end};
}

std::optional<std::pair<ApiWindow, ApiWindow>> split_window(ApiWindow window) {
  if (window.end - window.start < 2) return std::nullopt;
  const int64_t middle = window.start + (window.end - window.start) / 2;
  return std::make_pair(ApiWindow{window.start, middle}, ApiWindow{middle, window.end});
}

}  // namespace sdx
