#include "sources/tencent_api_source.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <ctime>

#include "parse/api_record_line.h"
#include "parse/line_parser.h"

namespace sdx {
namespace {

// Cursor text: a version line, the processed point, then the dedup keys.
constexpr std::string_view kCursorHeader = "tencent_api cursor v1\n";

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

TencentApiSource::TencentApiSource(TencentApiOptions options, LineSink& sink)
    : options_(std::move(options)), sink_(&sink), stats_(options_.name) {}

TencentApiSource::~TencentApiSource() { stop(); }

std::string TencentApiSource::identity_of(const TencentApiOptions& options) {
  return "tencent_api " + options.endpoint + " domain=" + options.filters.domain +
         " app=" + options.filters.app + " stream=" + options.filters.stream;
}

void TencentApiSource::launch() {
  if (!cursor_) {
    cursor_ = first_cursor(now_seconds(), options_.lookback_seconds);
    spdlog::info("source={} starts {} s back, at {}", options_.name, options_.lookback_seconds,
                 format_api_time(*cursor_));
  }
  stats_.processed_until.store(*cursor_, std::memory_order_relaxed);
  stats_.stopped.store(false);
  fetcher_ = std::make_unique<TencentApiFetcher>(options_, stats_);
  fetcher_->start(*cursor_);
}

void TencentApiSource::start() {
  if (fetcher_ && !stats_.stopped.load()) return;  // running
  if (fetcher_) {
    // Stopped by an auth error; windows it fetched but not handed over are
    // dropped and fetched again from the cursor.
    fetcher_->stop();
    fetcher_.reset();
    spdlog::info("source={} retries the records API after a reload", options_.name);
  }
  launch();
}

void TencentApiSource::stop() {
  if (fetcher_) fetcher_->stop();
}

uint64_t TencentApiSource::poll(uint64_t) {
  // Sources are polled only after restore(): the first poll starts the thread.
  if (!fetcher_) launch();
  uint64_t work = 0;
  for (FetchedWindow& fetched : fetcher_->take()) {
    for (const ApiRecord& record : fetched.records) {
      if (!dedup_.insert({record.domain, record.app, record.stream, record.start, record.end})) {
        stats_.duplicates.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      std::string line =
          api_record_line(record.end, record.domain, record.app, record.stream, record.stop_reason);
      const size_t size = line.size();
      line.append(kLinePadding, '\0');
      sink_->on_line(std::string_view(line.data(), size));
    }
    // Later windows start at this end: only records ending there or later
    // can come back.
    cursor_ = fetched.window.end;
    dedup_.forget_before(*cursor_);
    stats_.processed_until.store(*cursor_, std::memory_order_relaxed);
    work += 1 + fetched.records.size();
  }
  return work;
}

SourceState TencentApiSource::state() const {
  SourceState state;
  state.identity = identity_of(options_);
  if (cursor_) {
    state.cursor =
        std::string(kCursorHeader) + std::to_string(*cursor_) + "\n" + dedup_.serialize();
  }
  return state;
}

void TencentApiSource::restore(const SourceState& state) {
  if (state.cursor.empty()) return;
  std::string_view text = state.cursor;
  auto refuse = [&](std::string_view why) {
    spdlog::warn("source={} saved cursor is unusable ({}): starting {} s back", options_.name, why,
                 options_.lookback_seconds);
  };
  if (!text.starts_with(kCursorHeader)) return refuse("unknown version");
  text.remove_prefix(kCursorHeader.size());
  const size_t newline = text.find('\n');
  int64_t point = 0;
  if (newline == std::string_view::npos ||
      std::from_chars(text.data(), text.data() + newline, point).ptr != text.data() + newline) {
    return refuse("no processed point");
  }
  auto dedup = RecordDedup::parse(text.substr(newline + 1));
  if (!dedup) return refuse("malformed record keys");
  const int64_t oldest = oldest_api_start(now_seconds());
  if (point < oldest) {
    spdlog::warn(
        "source={} was last polled at {}, beyond the API's 60-day history: records before {} "
        "are lost",
        options_.name, format_api_time(point), format_api_time(oldest));
  }
  cursor_ = point;
  dedup_ = std::move(*dedup);
  stats_.processed_until.store(point, std::memory_order_relaxed);
}

void TencentApiSource::collect(std::vector<prometheus::MetricFamily>& out) const {
  stats_.collect(out, now_seconds());
}

}  // namespace sdx
