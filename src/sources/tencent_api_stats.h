#pragma once
// Self metrics of one tencent_api source: requests by outcome, records,
// duplicates and pages fetched, the processed point's lag, the last
// successful request and whether an auth error stopped the source. Written
// by the fetch thread and the ingest thread with relaxed atomics, read by
// scrapes.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

namespace sdx {

enum class ApiOutcome : uint8_t {
  ok,
  auth_error,
  rate_limited,
  clock_skew,
  api_error,
  network_error
};
inline constexpr size_t kApiOutcomeCount = 6;
std::string_view api_outcome_name(ApiOutcome outcome);
// Response.Error.Code -> outcome (empty code = ok).
ApiOutcome api_outcome_of(std::string_view error_code);

struct TencentApiStats {
  explicit TencentApiStats(std::string source_name) : source(std::move(source_name)) {}

  const std::string source;
  std::array<std::atomic<uint64_t>, kApiOutcomeCount> requests{};
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> pages{0};
  std::atomic<int64_t> processed_until{0};  // end of the last processed window, 0 = none yet
  std::atomic<int64_t> last_success{0};     // unix seconds of the last ok request
  std::atomic<bool> stopped{false};

  void collect(std::vector<prometheus::MetricFamily>& out, int64_t now) const;
};

}  // namespace sdx
