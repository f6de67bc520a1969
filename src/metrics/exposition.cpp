#include "metrics/exposition.h"

#include <array>
#include <map>
#include <sstream>
#include <unordered_map>

#include <prometheus/text_serializer.h>

#include "metrics/metrics_registry.h"
#include "metrics/push_duration_buckets.h"
#include "metrics/text_writer.h"

namespace sdx {
namespace {

void write_dimension_labels(TextWriter& writer, const std::vector<Dimension>& dims,
                            const std::vector<std::string>& values) {
  for (size_t i = 0; i < dims.size() && i < values.size(); ++i) {
    writer.label(dimension_name(dims[i]), values[i]);
  }
}

// stream_push_duration_seconds from its rows' cells (merge_series made one
// row per labels and category).
void write_push_durations(TextWriter& writer, const std::vector<Dimension>& dims,
                          const std::vector<CounterRow>& rows) {
  writer.family("stream_push_duration_seconds",
                "How long a stream had been pushing when it was cut, by category.", "histogram");
  for (const CounterRow& row : rows) {
    if (row.kind != CounterRow::Kind::push_duration || row.cells.size() != kPushDurationCells) {
      continue;
    }
    uint64_t cumulative = 0;
    for (size_t bucket = 0; bucket <= kPushDurationInfBucket; ++bucket) {
      cumulative += row.cells[bucket];
      writer.begin_sample("stream_push_duration_seconds_bucket");
      write_dimension_labels(writer, dims, row.label_values);
      writer.label("category", row.category);
      writer.label("le", push_duration_cell_name(bucket));
      writer.end_sample(cumulative);
    }
    writer.begin_sample("stream_push_duration_seconds_sum");
    write_dimension_labels(writer, dims, row.label_values);
    writer.label("category", row.category);
    writer.end_sample_millis(row.cells[kPushDurationSumCell]);
    writer.begin_sample("stream_push_duration_seconds_count");
    write_dimension_labels(writer, dims, row.label_values);
    writer.label("category", row.category);
    writer.end_sample(cumulative);
  }
}

// Families of the same name from several parts (one per source) become one.
std::vector<prometheus::MetricFamily> merge_families(
    const std::vector<std::shared_ptr<const prometheus::Collectable>>& collectables) {
  std::vector<prometheus::MetricFamily> merged;
  std::unordered_map<std::string, size_t> position;
  for (const auto& collectable : collectables) {
    for (auto& family : collectable->Collect()) {
      auto [it, inserted] = position.try_emplace(family.name, merged.size());
      if (inserted) {
        merged.push_back(std::move(family));
      } else {
        auto& into = merged[it->second].metric;
        into.insert(into.end(), std::make_move_iterator(family.metric.begin()),
                    std::make_move_iterator(family.metric.end()));
      }
    }
  }
  return merged;
}

}  // namespace

void write_event_counters(const Model& model, const std::vector<CounterRow>& rows, std::string& out,
                          const std::function<void(std::string&)>& flush) {
  const CodeTable& table = model.table();
  const CategoryTable& categories = model.categories();
  const auto& dims = model.labels();
  TextWriter writer(out, flush);

  // Without per-event dimensions there is one label set per source value:
  // every category is shown from the start. With them, only categories a
  // label set has seen — 19 zero series per stream name would multiply the
  // exposition.
  bool event_dimensions = false;
  for (Dimension d : dims) event_dimensions |= d != Dimension::source;

  // label values -> category name -> total. A series keeps the category it
  // was counted in, so a total never moves to another category.
  std::map<std::vector<std::string>, std::map<std::string, uint64_t>> category_totals;
  for (const CounterRow& row : rows) {
    if (row.kind == CounterRow::Kind::push_duration) continue;
    auto& totals = category_totals[row.label_values];
    if (!event_dimensions && totals.empty()) {
      for (size_t c = 0; c < categories.size(); ++c) {
        totals.emplace(categories.name(static_cast<Category>(c)), 0);
      }
    }
    if (row.kind == CounterRow::Kind::disconnect) totals[row.category] += row.value;
  }

  writer.family("stream_disconnects_total", "Push interruptions by reason category.", "counter");
  for (const auto& [values, totals] : category_totals) {
    for (const auto& [category, total] : totals) {
      writer.begin_sample("stream_disconnects_total");
      write_dimension_labels(writer, dims, values);
      writer.label("category", category);
      writer.end_sample(total);
    }
  }

  writer.family("stream_disconnects_by_code_total",
                "Push interruptions by Tencent errcode and sub_errcode.", "counter");
  for (const CounterRow& row : rows) {
    if (row.kind != CounterRow::Kind::disconnect) continue;
    writer.begin_sample("stream_disconnects_by_code_total");
    write_dimension_labels(writer, dims, row.label_values);
    writer.label("errcode", row.errcode);
    writer.label("sub_errcode", row.sub_errcode);
    writer.label("category", row.category);
    writer.end_sample(row.value);
  }

  writer.family("stream_disconnect_code_info",
                "Known disconnect codes with their category, reason and messages.", "gauge");
  for (const CodeEntry& entry : table.entries()) {
    writer.begin_sample("stream_disconnect_code_info");
    writer.label("errcode", std::to_string(entry.errcode));
    writer.label("sub_errcode", std::to_string(entry.sub_errcode));
    writer.label("category", categories.name(entry.category));
    writer.label("reason", entry.reason);
    writer.label("message_zh", entry.message_zh);
    writer.label("message_en", entry.message_en);
    writer.end_sample(1);
  }

  write_push_durations(writer, dims, rows);

  writer.family("stream_pushes_total", "Pushes started (event_type 1).", "counter");
  for (const auto& row : rows) {
    if (row.kind != CounterRow::Kind::push) continue;
    writer.begin_sample("stream_pushes_total");
    write_dimension_labels(writer, dims, row.label_values);
    writer.end_sample(row.value);
  }
}

namespace {

std::string render_self_metrics(
    const std::vector<std::shared_ptr<const prometheus::Collectable>>& collectables) {
  std::vector<prometheus::MetricFamily> self_metrics = merge_families(collectables);
  prometheus::MetricFamily build{"stream_disconnect_exporter_build_info",
                                 "Build information; value is always 1.",
                                 prometheus::MetricType::Gauge,
                                 {}};
  prometheus::ClientMetric metric;
  metric.label = {{"version", SDX_VERSION}, {"compiler", __VERSION__}};
  metric.gauge.value = 1;
  build.metric.push_back(std::move(metric));
  self_metrics.push_back(std::move(build));
  std::ostringstream stream;
  prometheus::TextSerializer().Serialize(stream, self_metrics);
  return stream.str();
}

}  // namespace

std::string render_exposition(
    const Model& model, std::vector<CounterRow> rows,
    const std::vector<std::shared_ptr<const prometheus::Collectable>>& collectables) {
  std::string text;
  write_event_counters(model, MetricsRegistry::merge_series(std::move(rows)), text);
  text += render_self_metrics(collectables);
  return text;
}

bool write_exposition(
    std::FILE* file, const Model& model, std::vector<CounterRow> rows,
    const std::vector<std::shared_ptr<const prometheus::Collectable>>& collectables) {
  bool ok = true;
  auto write = [&](std::string& text) {
    ok &= std::fwrite(text.data(), 1, text.size(), file) == text.size();
    text.clear();
  };
  std::string text;
  write_event_counters(model, MetricsRegistry::merge_series(std::move(rows)), text, write);
  write(text);
  text = render_self_metrics(collectables);
  write(text);
  return ok && std::fflush(file) == 0;
}

}  // namespace sdx
