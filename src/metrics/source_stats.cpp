#include "metrics/source_stats.h"

namespace sdx {

std::string_view event_result_name(EventResult result) {
  static constexpr std::array<std::string_view, kEventResultCount> kNames = {
      "disconnect", "push", "parse_error", "filtered"};
  return kNames[static_cast<size_t>(result)];
}

void SourceStats::collect(std::vector<prometheus::MetricFamily>& out) const {
  using prometheus::MetricType;
  auto family = [](std::string name, std::string help, MetricType type) {
    return prometheus::MetricFamily{
        "stream_disconnect_exporter_" + std::move(name), std::move(help), type, {}};
  };
  auto sample = [this](prometheus::MetricFamily& f, std::string_view label, std::string_view value,
                       double number) {
    prometheus::ClientMetric metric;
    metric.label = {{"source", source}};
    if (!label.empty()) metric.label.push_back({std::string(label), std::string(value)});
    if (f.type == MetricType::Counter) {
      metric.counter.value = number;
    } else {
      metric.gauge.value = number;
    }
    f.metric.push_back(std::move(metric));
  };
  auto load = [](const auto& atomic) {
    return static_cast<double>(atomic.load(std::memory_order_relaxed));
  };

  auto events = family("events_total", "Events read, by source and result.", MetricType::Counter);
  for (size_t r = 0; r < kEventResultCount; ++r) {
    sample(events, "result", event_result_name(static_cast<EventResult>(r)), load(this->events[r]));
  }
  auto errors =
      family("parse_errors_total", "Lines that were not a valid event, by source and reason.",
             MetricType::Counter);
  for (size_t e = 1; e < kParseErrorCount; ++e) {
    sample(errors, "reason", parse_error_name(static_cast<ParseError>(e)), load(parse_errors[e]));
  }
  auto resolved =
      family("classifications_total", "Disconnects classified, by how their code was resolved.",
             MetricType::Counter);
  for (size_t r = 0; r < kResolutionCount; ++r) {
    sample(resolved, "resolution", resolution_name(static_cast<Resolution>(r)),
           load(resolutions[r]));
  }
  auto last = family("last_event_timestamp_seconds",
                     "event_time of the newest event read, by source.", MetricType::Gauge);
  sample(last, "", "", load(last_event_timestamp));
  auto bad = family("bad_optional_fields_total",
                    "Events counted with a malformed optional field ignored, by field.",
                    MetricType::Counter);
  for (size_t f = 0; f < kOptionalFieldCount; ++f) {
    sample(bad, "field", optional_field_name(static_cast<OptionalField>(f)),
           load(bad_optional_fields[f]));
  }
  auto absent = family("push_duration_absent_total",
                       "Disconnects without a usable push_duration, so not in "
                       "stream_push_duration_seconds.",
                       MetricType::Counter);
  sample(absent, "", "", load(push_duration_absent));
  for (auto* f : {&events, &errors, &resolved, &last, &bad, &absent}) {
    out.push_back(std::move(*f));
  }
}

void SourceStats::add(const SourceStats& other) {
  auto add_all = [](auto& into, const auto& from) {
    for (size_t i = 0; i < into.size(); ++i) {
      into[i].fetch_add(from[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
    }
  };
  add_all(events, other.events);
  add_all(parse_errors, other.parse_errors);
  add_all(resolutions, other.resolutions);
  add_all(bad_optional_fields, other.bad_optional_fields);
  push_duration_absent.fetch_add(other.push_duration_absent.load(std::memory_order_relaxed),
                                 std::memory_order_relaxed);
  const int64_t time = other.last_event_timestamp.load(std::memory_order_relaxed);
  if (time > last_event_timestamp.load(std::memory_order_relaxed)) {
    last_event_timestamp.store(time, std::memory_order_relaxed);
  }
}

}  // namespace sdx
