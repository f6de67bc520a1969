#pragma once
// Buckets of stream_push_duration_seconds: how long a stream had been
// pushing when it was cut. Sized for live streams: auth and quota cuts land
// at 0-1 s, network cuts anywhere up to a day.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sdx {

inline constexpr std::array<int64_t, 9> kPushDurationBoundsSeconds = {1,    10,    60,    300,  900,
                                                                      3600, 14400, 43200, 86400};
// Cells per (label set, category): one per bound, +Inf, then the sum in ms.
inline constexpr size_t kPushDurationInfBucket = kPushDurationBoundsSeconds.size();
inline constexpr size_t kPushDurationSumCell = kPushDurationInfBucket + 1;
inline constexpr size_t kPushDurationCells = kPushDurationSumCell + 1;

// The bucket a duration falls in (Prometheus `le`: the first bound >= it).
inline size_t push_duration_bucket(int64_t ms) {
  size_t bucket = 0;
  for (int64_t bound : kPushDurationBoundsSeconds) bucket += ms > bound * 1000 ? 1 : 0;
  return bucket;
}

// Observations in a histogram's cells (every bucket, the sum excluded).
template <typename Cells>
uint64_t push_duration_count(const Cells& cells) {
  uint64_t count = 0;
  for (size_t bucket = 0; bucket <= kPushDurationInfBucket; ++bucket) count += cells[bucket];
  return count;
}

// The `le` text of a bucket ("1" ... "86400", "+Inf"); "sum" for the sum
// cell (the checkpoint's name for it).
std::string_view push_duration_cell_name(size_t cell);
std::optional<size_t> push_duration_cell_from_name(std::string_view name);

}  // namespace sdx
