#include "metrics/exposition.h"

#include <array>
#include <charconv>
#include <ctime>
#include <map>
#include <sstream>

#include <prometheus/text_serializer.h>

#include "metrics/text_writer.h"

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

bool parse_code(const std::string& text, int64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

Category category_of(const CodeTable& table, const CounterRow& row) {
  int64_t errcode = 0;
  int64_t sub = 0;
  if (!parse_code(row.errcode, errcode) || !parse_code(row.sub_errcode, sub)) {
    return Category::unknown;
  }
  auto index = table.find(errcode, sub);
  return index ? table.at(*index).category : Category::unknown;
}

void write_dimension_labels(TextWriter& writer, const std::vector<Dimension>& dims,
                            const std::vector<std::string>& values) {
  for (size_t i = 0; i < dims.size() && i < values.size(); ++i) {
    writer.label(dimension_name(dims[i]), values[i]);
  }
}

// The event counters, written directly as text (see text_writer.h).
void write_event_counters(const MetricsRegistry& registry, const std::vector<CounterRow>& rows,
                          std::string& out) {
  const CodeTable& table = registry.table();
  const auto& dims = registry.dimensions();
  TextWriter writer(out);

  // Without per-event dimensions there is one label set: every category is
  // shown from the start. With them, only categories a label set has seen —
  // 19 zero series per stream name would multiply the exposition.
  bool event_dimensions = false;
  for (Dimension d : dims) event_dimensions |= d != Dimension::source;

  std::map<std::vector<std::string>, std::array<uint64_t, kCategoryCount>> category_totals;
  std::vector<Category> row_category(rows.size(), Category::unknown);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].kind != CounterRow::Kind::disconnect) continue;
    row_category[i] = category_of(table, rows[i]);
    auto [it, inserted] = category_totals.try_emplace(rows[i].label_values);
    if (inserted) it->second.fill(0);
    it->second[static_cast<size_t>(row_category[i])] += rows[i].value;
  }

  writer.family("stream_disconnects_total", "Push interruptions by reason category.", "counter");
  for (const auto& [values, totals] : category_totals) {
    for (size_t c = 0; c < kCategoryCount; ++c) {
      if (event_dimensions && totals[c] == 0) continue;
      writer.begin_sample("stream_disconnects_total");
      write_dimension_labels(writer, dims, values);
      writer.label("category", category_name(static_cast<Category>(c)));
      writer.end_sample(totals[c]);
    }
  }

  writer.family("stream_disconnects_by_code_total",
                "Push interruptions by Tencent errcode and sub_errcode.", "counter");
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].kind != CounterRow::Kind::disconnect) continue;
    writer.begin_sample("stream_disconnects_by_code_total");
    write_dimension_labels(writer, dims, rows[i].label_values);
    writer.label("errcode", rows[i].errcode);
    writer.label("sub_errcode", rows[i].sub_errcode);
    writer.label("category", category_name(row_category[i]));
    writer.end_sample(rows[i].value);
  }

  writer.family("stream_disconnect_code_info",
                "Known disconnect codes with their category, reason and messages.", "gauge");
  for (const CodeEntry& entry : table.entries()) {
    writer.begin_sample("stream_disconnect_code_info");
    writer.label("errcode", std::to_string(entry.errcode));
    writer.label("sub_errcode", std::to_string(entry.sub_errcode));
    writer.label("category", category_name(entry.category));
    writer.label("reason", entry.reason);
    writer.label("message_zh", entry.message_zh);
    writer.label("message_en", entry.message_en);
    writer.end_sample(1);
  }

  writer.family("stream_pushes_total", "Pushes started (event_type 1).", "counter");
  for (const auto& row : rows) {
    if (row.kind != CounterRow::Kind::push) continue;
    writer.begin_sample("stream_pushes_total");
    write_dimension_labels(writer, dims, row.label_values);
    writer.end_sample(row.value);
  }
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

std::string render_exposition(const MetricsRegistry& registry,
                              const std::vector<CounterRow>* rows) {
  std::string text;
  if (rows != nullptr) {
    write_event_counters(registry, *rows, text);
  } else {
    write_event_counters(registry, registry.merged_rows(), text);
  }
  std::vector<MetricFamily> self_metrics;
  collect_source_stats(registry, self_metrics);
  collect_exporter_stats(registry, self_metrics);
  std::ostringstream stream;
  prometheus::TextSerializer().Serialize(stream, self_metrics);
  text += stream.str();
  return text;
}

}  // namespace sdx
