#include "metrics/exposition.h"

#include <array>
#include <charconv>
#include <ctime>
#include <map>
#include <sstream>

#include <prometheus/text_serializer.h>

namespace sdx {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void add_sample(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (f.type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  f.metric.push_back(std::move(metric));
}

std::vector<ClientMetric::Label> dimension_labels(const MetricsRegistry& registry,
                                                  const std::vector<std::string>& values) {
  std::vector<ClientMetric::Label> labels;
  const auto& dims = registry.dimensions();
  for (size_t i = 0; i < dims.size() && i < values.size(); ++i) {
    labels.push_back({std::string(dimension_name(dims[i])), values[i]});
  }
  return labels;
}

Category category_of(const CodeTable& table, const CounterRow& row) {
  int64_t errcode = 0;
  int64_t sub = 0;
  auto parse = [](const std::string& text, int64_t& out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
  };
  if (!parse(row.errcode, errcode) || !parse(row.sub_errcode, sub)) return Category::unknown;
  auto index = table.find(errcode, sub);
  return index ? table.at(*index).category : Category::unknown;
}

void collect_event_counters(const MetricsRegistry& registry, const std::vector<CounterRow>& rows,
                            std::vector<MetricFamily>& out) {
  const CodeTable& table = registry.table();
  auto by_category = family("stream_disconnects_total", "Push interruptions by reason category.",
                            MetricType::Counter);
  auto by_code =
      family("stream_disconnects_by_code_total",
             "Push interruptions by Tencent errcode and sub_errcode.", MetricType::Counter);
  auto pushes =
      family("stream_pushes_total", "Pushes started (event_type 1).", MetricType::Counter);

  // Per label set: the sum of its codes per category (every category shown).
  std::map<std::vector<std::string>, std::array<uint64_t, kCategoryCount>> category_totals;
  for (const auto& row : rows) {
    if (row.kind == CounterRow::Kind::push) {
      add_sample(pushes, dimension_labels(registry, row.label_values),
                 static_cast<double>(row.value));
      continue;
    }
    Category category = category_of(table, row);
    auto& totals = category_totals[row.label_values];
    totals[static_cast<size_t>(category)] += row.value;
    auto labels = dimension_labels(registry, row.label_values);
    labels.push_back({"errcode", row.errcode});
    labels.push_back({"sub_errcode", row.sub_errcode});
    labels.push_back({"category", std::string(category_name(category))});
    add_sample(by_code, std::move(labels), static_cast<double>(row.value));
  }
  for (const auto& [values, totals] : category_totals) {
    for (size_t c = 0; c < kCategoryCount; ++c) {
      auto labels = dimension_labels(registry, values);
      labels.push_back({"category", std::string(category_name(static_cast<Category>(c)))});
      add_sample(by_category, std::move(labels), static_cast<double>(totals[c]));
    }
  }

  auto info =
      family("stream_disconnect_code_info",
             "Known disconnect codes with their category, reason and messages.", MetricType::Gauge);
  for (const CodeEntry& entry : table.entries()) {
    add_sample(info,
               {{"errcode", std::to_string(entry.errcode)},
                {"sub_errcode", std::to_string(entry.sub_errcode)},
                {"category", std::string(category_name(entry.category))},
                {"reason", entry.reason},
                {"message_zh", entry.message_zh},
                {"message_en", entry.message_en}},
               1);
  }
  out.push_back(std::move(by_category));
  out.push_back(std::move(by_code));
  out.push_back(std::move(info));
  out.push_back(std::move(pushes));
}

void collect_source_stats(const MetricsRegistry& registry, std::vector<MetricFamily>& out) {
  const std::string p = "stream_disconnect_exporter_";
  auto events =
      family(p + "events_total", "Events read, by source and result.", MetricType::Counter);
  auto parse_errors =
      family(p + "parse_errors_total", "Lines that were not a valid event, by source and reason.",
             MetricType::Counter);
  auto resolutions =
      family(p + "classifications_total", "Disconnects classified, by how their code was resolved.",
             MetricType::Counter);
  auto last_event = family(p + "last_event_timestamp_seconds",
                           "event_time of the newest event read, by source.", MetricType::Gauge);
  auto bytes = family(p + "bytes_read_total", "Bytes read from files.", MetricType::Counter);
  auto followed = family(p + "files_followed", "Files currently followed.", MetricType::Gauge);
  auto rotations = family(p + "file_rotations_total",
                          "Followed names that came to point at a new file.", MetricType::Counter);
  auto truncations =
      family(p + "file_truncations_total", "Followed files that shrank.", MetricType::Counter);
  auto read_errors =
      family(p + "file_read_errors_total", "Errors opening or reading files.", MetricType::Counter);

  auto relaxed = [](const auto& atomic) {
    return static_cast<double>(atomic.load(std::memory_order_relaxed));
  };
  for (const SourceStats* s : registry.source_stats()) {
    for (size_t r = 0; r < kEventResultCount; ++r) {
      add_sample(events,
                 {{"source", s->source},
                  {"result", std::string(event_result_name(static_cast<EventResult>(r)))}},
                 relaxed(s->events[r]));
    }
    for (size_t e = 1; e < kParseErrorCount; ++e) {
      add_sample(parse_errors,
                 {{"source", s->source},
                  {"reason", std::string(parse_error_name(static_cast<ParseError>(e)))}},
                 relaxed(s->parse_errors[e]));
    }
    for (size_t r = 0; r < kResolutionCount; ++r) {
      add_sample(resolutions,
                 {{"source", s->source},
                  {"resolution", std::string(resolution_name(static_cast<Resolution>(r)))}},
                 relaxed(s->resolutions[r]));
    }
    add_sample(last_event, {{"source", s->source}}, relaxed(s->last_event_timestamp));
    if (s->is_file_source) {
      add_sample(bytes, {{"source", s->source}}, relaxed(s->file.bytes_read));
      add_sample(followed, {{"source", s->source}}, relaxed(s->file.files_followed));
      add_sample(rotations, {{"source", s->source}}, relaxed(s->file.rotations));
      add_sample(truncations, {{"source", s->source}}, relaxed(s->file.truncations));
      add_sample(read_errors, {{"source", s->source}}, relaxed(s->file.read_errors));
    }
  }
  for (auto* f : {&events, &parse_errors, &resolutions, &last_event, &bytes, &followed, &rotations,
                  &truncations, &read_errors}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
}

void collect_exporter_stats(const MetricsRegistry& registry, std::vector<MetricFamily>& out) {
  const std::string p = "stream_disconnect_exporter_";
  const ExporterStats& s = registry.stats();
  auto gauge = [&](const std::string& name, const std::string& help, double value) {
    auto f = family(p + name, help, MetricType::Gauge);
    add_sample(f, {}, value);
    out.push_back(std::move(f));
  };
  auto counter = [&](const std::string& name, const std::string& help, double value) {
    auto f = family(p + name, help, MetricType::Counter);
    add_sample(f, {}, value);
    out.push_back(std::move(f));
  };
  auto relaxed = [](const auto& atomic) {
    return static_cast<double>(atomic.load(std::memory_order_relaxed));
  };
  counter("checkpoint_writes_total", "Checkpoints written.", relaxed(s.checkpoint_writes));
  counter("checkpoint_failures_total", "Checkpoints that could not be written.",
          relaxed(s.checkpoint_failures));
  gauge("last_checkpoint_timestamp_seconds", "Unix time of the last checkpoint written.",
        relaxed(s.last_checkpoint_timestamp));
  counter("checkpoint_corrupt_total", "Corrupt state files moved aside at start.",
          relaxed(s.checkpoint_corrupt_discarded));
  gauge("label_sets", "Distinct dimension label sets in use.",
        static_cast<double>(registry.budget().used()));
  gauge("label_sets_max", "Cap on distinct dimension label sets (max_label_sets).",
        static_cast<double>(registry.budget().max()));
  counter("label_overflow_events_total",
          "Events counted under __overflow__ because max_label_sets was reached.",
          static_cast<double>(registry.budget().overflow_events()));
  gauge("config_last_reload_successful", "Whether the last configuration load succeeded.",
        relaxed(s.config_last_reload_successful));
  gauge("config_last_reload_success_timestamp_seconds",
        "Unix time of the last successful configuration load.",
        relaxed(s.config_last_reload_success_timestamp));
  gauge("start_time_seconds", "Unix time the exporter started.", relaxed(s.start_time));

  auto build = family(p + "build_info", "Build information; value is always 1.", MetricType::Gauge);
  add_sample(build, {{"version", SDX_VERSION}, {"compiler", __VERSION__}}, 1);
  out.push_back(std::move(build));
}

}  // namespace

std::vector<MetricFamily> collect_metric_families(const MetricsRegistry& registry,
                                                  const std::vector<CounterRow>* rows) {
  std::vector<MetricFamily> out;
  if (rows != nullptr) {
    collect_event_counters(registry, *rows, out);
  } else {
    collect_event_counters(registry, registry.merged_rows(), out);
  }
  collect_source_stats(registry, out);
  collect_exporter_stats(registry, out);
  return out;
}

std::string render_exposition(const MetricsRegistry& registry,
                              const std::vector<CounterRow>* rows) {
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, collect_metric_families(registry, rows));
  return text.str();
}

}  // namespace sdx
