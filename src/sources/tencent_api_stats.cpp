#include "sources/tencent_api_stats.h"

namespace sdx {

std::string_view api_outcome_name(ApiOutcome outcome) {
  static constexpr std::array<std::string_view, kApiOutcomeCount> kNames = {
      "ok", "auth_error", "rate_limited", "clock_skew", "api_error", "network_error"};
  return kNames[static_cast<size_t>(outcome)];
}

ApiOutcome api_outcome_of(std::string_view code) {
  if (code.empty()) return ApiOutcome::ok;
  // Tencent answers a request whose timestamp is off by more than 5 minutes so.
  if (code == "AuthFailure.SignatureExpire") return ApiOutcome::clock_skew;
  if (code.starts_with("AuthFailure")) return ApiOutcome::auth_error;
  if (code.starts_with("RequestLimitExceeded")) return ApiOutcome::rate_limited;
  return ApiOutcome::api_error;
}

void TencentApiStats::collect(std::vector<prometheus::MetricFamily>& out, int64_t now) const {
  using prometheus::MetricType;
  auto family = [](std::string name, std::string help, MetricType type) {
    return prometheus::MetricFamily{
        "stream_disconnect_exporter_api_" + std::move(name), std::move(help), type, {}};
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
  auto load = [](const auto& atomic) {
    return static_cast<double>(atomic.load(std::memory_order_relaxed));
  };

  auto requests_family =
      family("requests_total", "Records API requests, by outcome.", MetricType::Counter);
  for (size_t o = 0; o < kApiOutcomeCount; ++o) {
    sample(requests_family, load(requests[o]), "outcome",
           api_outcome_name(static_cast<ApiOutcome>(o)));
  }
  auto records_family =
      family("records_total", "Records fetched from the records API.", MetricType::Counter);
  sample(records_family, load(records));
  auto duplicates_family =
      family("duplicate_records_total",
             "Records returned again by an overlapping window, counted once.", MetricType::Counter);
  sample(duplicates_family, load(duplicates));
  auto pages_family = family("pages_total", "Result pages fetched.", MetricType::Counter);
  sample(pages_family, load(pages));
  auto lag_family =
      family("window_lag_seconds", "Now minus the end of the last fully processed window.",
             MetricType::Gauge);
  const int64_t until = processed_until.load(std::memory_order_relaxed);
  sample(lag_family, until > 0 ? static_cast<double>(now - until) : 0.0);
  auto success_family = family("last_success_timestamp_seconds",
                               "Unix time of the last successful request.", MetricType::Gauge);
  sample(success_family, load(last_success));
  auto stopped_family =
      family("source_stopped", "1 after an authentication error stopped the source, until reload.",
             MetricType::Gauge);
  sample(stopped_family, stopped.load(std::memory_order_relaxed) ? 1.0 : 0.0);
  for (auto* f : {&requests_family, &records_family, &duplicates_family, &pages_family, &lag_family,
                  &success_family, &stopped_family}) {
    out.push_back(std::move(*f));
  }
}

}  // namespace sdx
