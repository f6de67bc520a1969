#pragma once
// Self metrics of one webhook source. Request, rejection and ignored counts
// and the histograms are written by the HTTP and spool threads; duplicates
// and de-duplication keys by the ingest thread; scrapes read them all.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>

#include "sources/webhook_request.h"

namespace sdx {

// HTTP status codes the webhook answers, one table; the last is the rest.
inline constexpr std::array<int, 10> kWebhookStatusCodes = {200, 400, 401, 403, 404,
                                                            405, 413, 500, 503, 0};

struct WebhookStats {
  explicit WebhookStats(std::string source_name);

  // `seconds` < 0: not timed (answered before the body was read).
  void count_request(int status, double seconds);
  void count_rejection(WebhookRejection reason) {
    rejections[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }

  void collect(std::vector<prometheus::MetricFamily>& out) const;

  const std::string source;
  std::array<std::atomic<uint64_t>, kWebhookStatusCodes.size()> requests{};
  std::array<std::atomic<uint64_t>, kWebhookRejectionCount> rejections{};
  std::array<std::atomic<uint64_t>, kIgnoredEventTypeCount> ignored{};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> dedup_keys{0};
  std::atomic<uint64_t> dedup_evictions{0};
  prometheus::Histogram request_duration;
  prometheus::Histogram fsync_duration;
};

}  // namespace sdx
