#include "sources/webhook_stats.h"

namespace sdx {
namespace {

// Request latency is mostly the group commit: sub-millisecond to a slow disk's
// tens of milliseconds; Tencent gives up at 20 s.
const prometheus::Histogram::BucketBoundaries kRequestBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 20};
const prometheus::Histogram::BucketBoundaries kFsyncBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2};

}  // namespace

WebhookStats::WebhookStats(std::string source_name)
    : source(std::move(source_name)),
      request_duration(kRequestBuckets),
      fsync_duration(kFsyncBuckets) {}

void WebhookStats::count_request(int status, double seconds) {
  size_t index = kWebhookStatusCodes.size() - 1;
  for (size_t i = 0; i + 1 < kWebhookStatusCodes.size(); ++i) {
    if (kWebhookStatusCodes[i] == status) index = i;
  }
  requests[index].fetch_add(1, std::memory_order_relaxed);
  if (seconds >= 0) request_duration.Observe(seconds);
}

void WebhookStats::collect(std::vector<prometheus::MetricFamily>& out) const {
  using prometheus::MetricType;
  auto family = [](std::string name, std::string help, MetricType type) {
    return prometheus::MetricFamily{
        "stream_disconnect_exporter_webhook_" + std::move(name), std::move(help), type, {}};
  };
  auto sample = [this](prometheus::MetricFamily& f, double value, std::string_view label = {},
                       std::string_view label_value = {}) {
    prometheus::ClientMetric metric;
    metric.label = {{"source", source}};
    if (!label.empty()) metric.label.push_back({std::string(label), std::string(label_value)});
    if (f.type == MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    f.metric.push_back(std::move(metric));
  };
  auto load = [](const std::atomic<uint64_t>& value) {
    return static_cast<double>(value.load(std::memory_order_relaxed));
  };

  auto requests_family =
      family("requests_total", "Webhook requests answered, by HTTP status.", MetricType::Counter);
  for (size_t i = 0; i < kWebhookStatusCodes.size(); ++i) {
    const int code = kWebhookStatusCodes[i];
    sample(requests_family, load(requests[i]), "code", code == 0 ? "other" : std::to_string(code));
  }
  auto rejections_family =
      family("rejections_total", "Webhook requests refused, by reason.", MetricType::Counter);
  for (size_t i = 0; i < kWebhookRejectionCount; ++i) {
    sample(rejections_family, load(rejections[i]), "reason",
           rejection_name(static_cast<WebhookRejection>(i)));
  }
  auto duplicates_family =
      family("duplicates_total", "Callbacks received again (retries), not counted again.",
             MetricType::Counter);
  sample(duplicates_family, load(duplicates));
  auto ignored_family =
      family("ignored_total", "Callbacks of other event types, acknowledged and not counted.",
             MetricType::Counter);
  for (size_t i = 0; i < kIgnoredEventTypeCount; ++i) {
    sample(ignored_family, load(ignored[i]), "event_type", ignored_event_type_label(i));
  }
  auto keys_family = family("dedup_keys", "De-duplication keys held.", MetricType::Gauge);
  sample(keys_family, load(dedup_keys));
  auto evictions_family =
      family("dedup_evictions_total",
             "De-duplication keys dropped before their window ended (dedup_max_keys reached).",
             MetricType::Counter);
  sample(evictions_family, load(dedup_evictions));
  auto histogram = [&](std::string name, std::string help, const prometheus::Histogram& h) {
    auto f = family(std::move(name), std::move(help), MetricType::Histogram);
    prometheus::ClientMetric metric = h.Collect();
    metric.label = {{"source", source}};
    f.metric.push_back(std::move(metric));
    return f;
  };
  out.push_back(std::move(requests_family));
  out.push_back(std::move(rejections_family));
  out.push_back(std::move(duplicates_family));
  out.push_back(std::move(ignored_family));
  out.push_back(std::move(keys_family));
  out.push_back(std::move(evictions_family));
  out.push_back(histogram("request_duration_seconds",
                          "Time from a complete request to its answer (includes the group commit).",
                          request_duration));
  out.push_back(histogram("fsync_duration_seconds", "Duration of each group commit's fdatasync.",
                          fsync_duration));
}

}  // namespace sdx
