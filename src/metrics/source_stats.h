#pragma once
// Self-metric counters of one source, written by its ingest thread with
// relaxed atomics and read by scrapes.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "classify/classifier.h"
#include "parse/parse_error.h"
#include "sources/file_source.h"

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
  FileSourceStats file;                          // type: file only
  bool is_file_source = false;
};

// Single-writer increment (see event_counters.cpp).
inline void bump_stat(std::atomic<uint64_t>& counter, uint64_t by = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace sdx
