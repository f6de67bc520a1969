#pragma once
// Self-metric counters of one source's event pipeline (events by result,
// parse errors, resolutions, newest event), written by the pipeline's thread
// with relaxed atomics and read by scrapes. They live as long as the source,
// across reloads, so they never reset while the process runs.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "classify/classifier.h"
#include "parse/optional_field.h"
#include "parse/parse_error.h"

namespace sdx {

enum class EventResult : uint8_t { disconnect, push, parse_error, filtered };
inline constexpr size_t kEventResultCount = 4;
std::string_view event_result_name(EventResult result);

struct SourceStats {
  explicit SourceStats(std::string source_name) : source(std::move(source_name)) {}

  const std::string source;
  std::array<std::atomic<uint64_t>, kEventResultCount> events{};
  std::array<std::atomic<uint64_t>, kParseErrorCount> parse_errors{};
  std::array<std::atomic<uint64_t>, kResolutionCount> resolutions{};
  std::atomic<int64_t> last_event_timestamp{0};  // event_time of the newest event seen
  // Events counted with a malformed optional field ignored, by field.
  std::array<std::atomic<uint64_t>, kOptionalFieldCount> bad_optional_fields{};
  // Disconnects without a usable push_duration (absent, null or malformed):
  // not in stream_push_duration_seconds, and not observed as 0 either.
  std::atomic<uint64_t> push_duration_absent{0};

  void collect(std::vector<prometheus::MetricFamily>& out) const;
  // Adds another writer's counts (a parallel --once reads one source on
  // several threads); the newest event time is the later of the two.
  void add(const SourceStats& other);
};

// Single-writer increment (see event_counters.cpp).
inline void bump_stat(std::atomic<uint64_t>& counter, uint64_t by = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace sdx
