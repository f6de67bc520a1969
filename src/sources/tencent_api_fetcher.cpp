#include "sources/tencent_api_fetcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "sources/tc3_signer.h"

namespace sdx {
namespace {

constexpr std::chrono::milliseconds kConnectTimeout{10000};
constexpr std::chrono::milliseconds kRequestTimeout{30000};
constexpr std::chrono::milliseconds kFirstBackoff{1000};
constexpr std::chrono::milliseconds kMaxBackoff{300000};
// Finished windows waiting for the ingest thread; it takes them every
// poll_interval, so this only bounds memory if it stalls.
constexpr size_t kMaxQueued = 4;
constexpr int64_t kMaxPagesPerQuery = kApiReachableRows / kApiPageSize;

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

// An API message is shown in the log; keep it one bounded line.
std::string short_text(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) {
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return out;
}

}  // namespace

TencentApiFetcher::TencentApiFetcher(const TencentApiOptions& options, TencentApiStats& stats)
    : options_(options),
      stats_(stats),
      client_(kConnectTimeout, kRequestTimeout),
      random_(std::random_device{}()) {}

TencentApiFetcher::~TencentApiFetcher() { stop(); }

void TencentApiFetcher::start(int64_t cursor) {
  stopping_.store(false);
  thread_ = std::thread([this, cursor] { run(cursor); });
}

void TencentApiFetcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::deque<FetchedWindow> TencentApiFetcher::take() {
  std::deque<FetchedWindow> out;
  {
    std::lock_guard lock(mutex_);
    out.swap(ready_);
  }
  wake_.notify_all();  // room in the queue again
  return out;
}

bool TencentApiFetcher::wait(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
  return !stopping_.load();
}

bool TencentApiFetcher::deliver(FetchedWindow window) {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return stopping_.load() || ready_.size() < kMaxQueued; });
  if (stopping_.load()) return false;
  ready_.push_back(std::move(window));
  return true;
}

std::chrono::milliseconds TencentApiFetcher::jittered(std::chrono::milliseconds delay) {
  // Between half and all of the delay: clients that failed together do not
  // retry together.
  std::uniform_int_distribution<int64_t> pick(delay.count() / 2, delay.count());
  return std::chrono::milliseconds(pick(random_));
}

std::optional<ApiPage> TencentApiFetcher::fetch_page(ApiWindow window, int page_number) {
  const std::string url = options_.endpoint;
  std::chrono::milliseconds backoff = kFirstBackoff;
  auto retry_later = [&](ApiOutcome outcome, const std::string& why) {
    const auto delay = jittered(backoff);
    log_.warn(fmt::format("source={} records API request failed ({}): {}; retrying in {} ms",
                          options_.name, api_outcome_name(outcome), why, delay.count()));
    backoff = std::min(kMaxBackoff, backoff * 2);
    return wait(delay);
  };
  while (!stopping_.load()) {
    Tc3Request request;
    request.host = options_.host;
    request.service = std::string(kApiService);
    request.payload = event_list_request(window, page_number, options_.filters);
    request.timestamp = now_seconds();
    const Tc3Signature signature = tc3_sign(request, options_.credentials);
    const std::vector<std::string> headers = {
        "Host: " + request.host,
        "Content-Type: " + request.content_type,
        "X-TC-Action: " + std::string(kApiAction),
        "X-TC-Version: " + std::string(kApiVersion),
        "X-TC-Timestamp: " + std::to_string(request.timestamp),
        "Authorization: " + signature.authorization,
    };
    HttpPostResult response = client_.post(url, headers, request.payload, stopping_);
    if (stopping_.load()) return std::nullopt;
    if (!response.transferred || response.status != 200) {
      bump(ApiOutcome::network_error);
      const std::string why = response.transferred
                                  ? "HTTP status " + std::to_string(response.status)
                                  : short_text(response.error);
      if (!retry_later(ApiOutcome::network_error, why)) return std::nullopt;
      continue;
    }
    ApiPage page;
    try {
      page = parse_event_list_response(response.body);
    } catch (const ApiFormatError& e) {
      bump(ApiOutcome::api_error);
      if (!retry_later(ApiOutcome::api_error, e.what())) return std::nullopt;
      continue;
    }
    const ApiOutcome outcome = api_outcome_of(page.error_code);
    bump(outcome);
    const std::string error = page.error_code + ": " + short_text(page.error_message) +
                              " (RequestId " + short_text(page.request_id) + ")";
    switch (outcome) {
      case ApiOutcome::ok:
        stats_.pages.fetch_add(1, std::memory_order_relaxed);
        stats_.records.fetch_add(page.records.size(), std::memory_order_relaxed);
        stats_.last_success.store(now_seconds(), std::memory_order_relaxed);
        return page;
      case ApiOutcome::clock_skew:
        spdlog::error(
            "source={} stopped: the records API says this machine's clock is off by more than 5 "
            "minutes ({}): check the clock (NTP), then reload the config (SIGHUP or POST "
            "/-/reload); no further requests until then",
            options_.name, error);
        stats_.stopped.store(true);
        return std::nullopt;
      case ApiOutcome::auth_error:
        spdlog::error(
            "source={} stopped: the records API refused the credentials ({}): check secret_id, "
            "secret_key and the key's CAM policy (live:DescribeLiveStreamEventList), then reload "
            "the config (SIGHUP or POST /-/reload); no further requests until then",
            options_.name, error);
        stats_.stopped.store(true);
        return std::nullopt;
      case ApiOutcome::rate_limited:
      case ApiOutcome::api_error:
      case ApiOutcome::network_error:
        if (!retry_later(outcome, error)) return std::nullopt;
        break;
    }
  }
  return std::nullopt;
}

void TencentApiFetcher::run(int64_t cursor) {
  int pages_this_interval = 0;
  while (!stopping_.load()) {
    const int64_t now = now_seconds();
    const std::optional<ApiWindow> next = next_window(cursor, now, options_.lag_seconds);
    if (!next) {
      if (!wait(options_.interval)) return;
      pages_this_interval = 0;
      continue;
    }
    // Halves of a split window wait here, earlier half on top.
    std::vector<ApiWindow> pending = {*next};
    while (!pending.empty()) {
      const ApiWindow window = pending.back();
      FetchedWindow fetched{window, {}};
      int64_t total_pages = 1;
      bool split = false;
      for (int page_number = 1; page_number <= total_pages; ++page_number) {
        if (pages_this_interval >= options_.max_pages) {
          if (!wait(options_.interval)) return;
          pages_this_interval = 0;
        }
        std::optional<ApiPage> page = fetch_page(window, page_number);
        if (!page) return;  // stopping, or stopped by an auth error
        ++pages_this_interval;
        if (page_number == 1) {
          if (page->total_num > kApiReachableRows) {
            if (auto halves = split_window(window)) {
              pending.pop_back();
              pending.push_back(halves->second);
              pending.push_back(halves->first);
              split = true;
              break;
            }
            spdlog::warn(
                "source={} the records API has {} records within one second ({}): only the "
                "first {} can be fetched",
                options_.name, page->total_num, format_api_time(window.start), kApiReachableRows);
          }
          total_pages = std::min(page->total_page, kMaxPagesPerQuery);
        }
        for (ApiRecord& record : page->records) fetched.records.push_back(std::move(record));
      }
      if (split) continue;
      pending.pop_back();
      if (!deliver(std::move(fetched))) return;
      cursor = window.end;
    }
    // Catching up (the window was cut at its maximum span): go on at once.
    if (cursor < now - options_.lag_seconds) continue;
    if (!wait(options_.interval)) return;
    pages_this_interval = 0;
  }
}

}  // namespace sdx
