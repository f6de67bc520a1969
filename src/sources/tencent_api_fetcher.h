#pragma once
// The tencent_api source's own thread: plans windows, pages through each
// (splitting those over the reachable rows), retries rate limits and
// network errors with jittered exponential backoff, stops for good on an
// authentication error, and queues every fully fetched window for the
// ingest thread (TencentApiSource::poll), which alone counts and moves the
// checkpointed cursor.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "app/rate_limited_log.h"
#include "sources/api_client.h"
#include "sources/tencent_api_options.h"
#include "sources/tencent_api_stats.h"

namespace sdx {

struct FetchedWindow {
  ApiWindow window;
  std::vector<ApiRecord> records;  // in the API's order, duplicates included
};

class TencentApiFetcher {
 public:
  TencentApiFetcher(const TencentApiOptions& options, TencentApiStats& stats);
  ~TencentApiFetcher();
  TencentApiFetcher(const TencentApiFetcher&) = delete;
  TencentApiFetcher& operator=(const TencentApiFetcher&) = delete;

  // Fetches windows from `cursor` on, on a thread of its own.
  void start(int64_t cursor);
  // Returns within about a second, aborting a request in flight.
  void stop();
  // Finished windows, oldest first.
  std::deque<FetchedWindow> take();

 private:
  void run(int64_t cursor);
  // One page, retried until it succeeds; nullopt when stopping or when an
  // authentication error stopped the source.
  std::optional<ApiPage> fetch_page(ApiWindow window, int page);
  // Sleeps, waking early on stop(); false when stopping.
  bool wait(std::chrono::milliseconds delay);
  bool deliver(FetchedWindow window);
  std::chrono::milliseconds jittered(std::chrono::milliseconds delay);
  void bump(ApiOutcome outcome) {
    stats_.requests[static_cast<size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  }

  const TencentApiOptions& options_;
  TencentApiStats& stats_;
  ApiClient client_;
  std::mt19937_64 random_;
  RateLimitedLog log_;

  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<FetchedWindow> ready_;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace sdx
