#include "metrics/metrics_registry.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include <prometheus/metric_family.h>

namespace sdx {
namespace {

// Where a row's value for `wanted` comes from, given the names it was saved
// under: its own label of that name, or its source. nullopt = not derivable.
std::optional<std::string> derive_label(Dimension wanted, const CounterRow& row,
                                        const std::vector<std::string>& saved_names) {
  const std::string_view name = dimension_name(wanted);
  for (size_t i = 0; i < saved_names.size() && i < row.label_values.size(); ++i) {
    if (saved_names[i] == name) return row.label_values[i];
  }
  if (wanted == Dimension::source) return row.source;
  return std::nullopt;
}

std::vector<std::string> names_of(const std::vector<Dimension>& labels) {
  std::vector<std::string> names;
  for (Dimension d : labels) names.emplace_back(dimension_name(d));
  return names;
}

}  // namespace

MetricsRegistry::MetricsRegistry(std::shared_ptr<const Model> model)
    : model_(std::move(model)), budget_(model_->max_label_sets()) {}

MetricsRegistry::~MetricsRegistry() = default;

std::shared_ptr<const Model> MetricsRegistry::model() const {
  std::lock_guard lock(mutex_);
  return model_;
}

std::shared_ptr<EventCounters> MetricsRegistry::add_counters(const std::string& source_name) {
  std::lock_guard lock(mutex_);
  auto shard = std::make_shared<EventCounters>(model_, source_name, budget_);
  shards_.push_back(shard);
  return shard;
}

void MetricsRegistry::add_to_base(CounterRow row) {
  if (row.empty()) return;
  auto [it, inserted] = base_index_.try_emplace(row.key(model_->labels()), base_.size());
  if (inserted) {
    base_.push_back(std::move(row));
  } else {
    base_[it->second].add(row);
  }
}

void MetricsRegistry::retire(const std::shared_ptr<EventCounters>& shard) {
  std::vector<CounterRow> rows;
  shard->snapshot(rows);
  std::lock_guard lock(mutex_);
  auto it = std::find(shards_.begin(), shards_.end(), shard);
  if (it == shards_.end()) return;
  shards_.erase(it);
  // A shard of an older model was retired before its model was replaced
  // (reconfigure requires it), so its labels are the current ones.
  for (auto& row : rows) add_to_base(std::move(row));
}

RestoreResult MetricsRegistry::rebuild_base(
    std::vector<CounterRow> rows, const std::vector<std::vector<std::string>>& label_names,
    const std::vector<Dimension>& labels) {
  RestoreResult result;
  base_.clear();
  base_index_.clear();
  budget_.reset(model_->max_label_sets());
  std::vector<CounterRow> projected;
  for (size_t i = 0; i < rows.size(); ++i) {
    CounterRow& row = rows[i];
    std::vector<std::string> values;
    bool derivable = true;
    for (Dimension d : labels) {
      auto value = derive_label(d, row, label_names[i]);
      if (!value) {
        derivable = false;
        break;
      }
      values.push_back(std::move(*value));
    }
    if (!derivable) {
      ++result.dropped;
      continue;
    }
    row.label_values = std::move(values);
    projected.push_back(std::move(row));
  }
  // Restored label sets take their place under the cap like live ones; the
  // excess folds into __overflow__ so the state stays bounded.
  bool event_labels = false;
  for (Dimension d : labels) event_labels |= d != Dimension::source;
  for (auto& row : projected) {
    if (event_labels && !budget_.admit(row.label_values)) {
      for (size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] != Dimension::source) row.label_values[i] = kOverflowLabelValue;
      }
    }
    ++result.restored;
    add_to_base(std::move(row));
  }
  return result;
}

RestoreResult MetricsRegistry::reconfigure(std::shared_ptr<const Model> model) {
  std::lock_guard lock(mutex_);
  const std::vector<std::string> old_names = names_of(model_->labels());
  std::vector<CounterRow> rows = std::move(base_);
  std::vector<std::vector<std::string>> names(rows.size(), old_names);
  model_ = std::move(model);
  return rebuild_base(std::move(rows), names, model_->labels());
}

RestoreResult MetricsRegistry::restore(const std::vector<std::pair<std::string, uint64_t>>& saved) {
  std::lock_guard lock(mutex_);
  std::vector<CounterRow> rows = std::move(base_);
  std::vector<std::vector<std::string>> names(rows.size(), names_of(model_->labels()));
  size_t malformed = 0;
  for (const auto& [key, value] : saved) {
    CounterRow row;
    std::vector<std::string> label_names;
    bool legacy = false;
    if (!CounterRow::from_key(key, value, row, label_names, legacy)) {
      ++malformed;
      continue;
    }
    if (legacy) {
      // The first format saved values only, under the labels of its day:
      // read them as the current ones when the count fits (as it did), with
      // the category the table gives today.
      if (row.label_values.size() != model_->labels().size()) {
        ++malformed;
        continue;
      }
      label_names = names_of(model_->labels());
      for (size_t i = 0; i < model_->labels().size(); ++i) {
        if (model_->labels()[i] == Dimension::source) row.source = row.label_values[i];
      }
      if (row.kind == CounterRow::Kind::disconnect) {
        const auto& table = model_->table();
        std::optional<uint32_t> index;
        try {
          index = table.find(std::stoll(row.errcode), std::stoll(row.sub_errcode));
        } catch (const std::exception&) {
        }
        row.category =
            model_->categories().name(index ? table.at(*index).category : Category::unknown);
      }
    }
    rows.push_back(std::move(row));
    names.push_back(std::move(label_names));
  }
  RestoreResult result = rebuild_base(std::move(rows), names, model_->labels());
  result.malformed = malformed;
  return result;
}

std::vector<CounterRow> MetricsRegistry::rows() const { return snapshot().second; }

std::pair<std::shared_ptr<const Model>, std::vector<CounterRow>> MetricsRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  size_t bound = base_.size();
  for (const auto& shard : shards_) bound += shard->snapshot_bound();
  std::vector<CounterRow> rows;
  rows.reserve(bound);
  rows.insert(rows.end(), base_.begin(), base_.end());
  for (const auto& shard : shards_) shard->snapshot(rows);
  return {model_, std::move(rows)};
}

std::vector<std::pair<std::string, uint64_t>> MetricsRegistry::checkpoint_counters(
    const std::vector<CounterRow>& rows) const {
  const auto model = this->model();
  std::unordered_map<std::string, size_t> position;
  std::vector<std::pair<std::string, uint64_t>> out;
  auto add = [&](std::string key, uint64_t value) {
    if (value == 0) return;
    auto [it, inserted] = position.try_emplace(std::move(key), out.size());
    if (inserted) {
      out.emplace_back(it->first, value);
    } else {
      out[it->second].second += value;
    }
  };
  for (const auto& row : rows) {
    if (row.kind == CounterRow::Kind::push_duration) {
      for (size_t cell = 0; cell < row.cells.size(); ++cell) {
        if (row.cells[cell] != 0) add(row.cell_key(model->labels(), cell), row.cells[cell]);
      }
    } else {
      add(row.key(model->labels()), row.value);
    }
  }
  return out;
}

std::vector<CounterRow> MetricsRegistry::merge_series(std::vector<CounterRow> rows) {
  // Sorted in place and summed with the neighbour: no key per row, so a
  // scrape of many series needs no memory beyond the rows themselves.
  auto tie = [](const CounterRow& row) {
    return std::tie(row.kind, row.label_values, row.category, row.errcode, row.sub_errcode);
  };
  std::sort(rows.begin(), rows.end(),
            [&tie](const CounterRow& a, const CounterRow& b) { return tie(a) < tie(b); });
  size_t out = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (out > 0 && tie(rows[out - 1]) == tie(rows[i])) {
      rows[out - 1].add(rows[i]);
    } else {
      if (out != i) rows[out] = std::move(rows[i]);
      ++out;
    }
  }
  rows.resize(out);
  return rows;
}

std::vector<prometheus::MetricFamily> MetricsRegistry::Collect() const {
  using prometheus::MetricType;
  auto one = [](std::string name, std::string help, MetricType type, double value) {
    prometheus::MetricFamily family{
        "stream_disconnect_exporter_" + std::move(name), std::move(help), type, {}};
    prometheus::ClientMetric metric;
    if (type == MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family.metric.push_back(std::move(metric));
    return family;
  };
  return {
      one("label_sets", "Distinct dimension label sets in use.", MetricType::Gauge,
          static_cast<double>(budget_.used())),
      one("label_sets_max", "Cap on distinct dimension label sets (max_label_sets).",
          MetricType::Gauge, static_cast<double>(budget_.max())),
      one("label_overflow_events_total",
          "Events counted under __overflow__ because max_label_sets was reached.",
          MetricType::Counter, static_cast<double>(budget_.overflow_events())),
  };
}

}  // namespace sdx
