#include "metrics/metrics_registry.h"

#include <unordered_map>

namespace sdx {

std::string_view event_result_name(EventResult result) {
  switch (result) {
    case EventResult::disconnect:
      return "disconnect";
    case EventResult::push:
      return "push";
    case EventResult::parse_error:
      return "parse_error";
    case EventResult::filtered:
      return "filtered";
  }
  return "unknown";
}

MetricsRegistry::MetricsRegistry(const CodeTable& table, std::vector<Dimension> dimensions,
                                 size_t max_label_sets)
    : table_(table), dimensions_(std::move(dimensions)), budget_(max_label_sets) {}

EventCounters& MetricsRegistry::add_counters(const std::string& source_name) {
  std::lock_guard lock(mutex_);
  shards_.push_back(std::make_unique<EventCounters>(table_, dimensions_, source_name, budget_));
  return *shards_.back();
}

SourceStats& MetricsRegistry::add_source_stats(const std::string& source_name) {
  std::lock_guard lock(mutex_);
  source_stats_.push_back(std::make_unique<SourceStats>(source_name));
  return *source_stats_.back();
}

size_t MetricsRegistry::restore(const std::vector<std::pair<std::string, uint64_t>>& saved) {
  std::vector<CounterRow> rows;
  size_t dropped = 0;
  for (const auto& [key, value] : saved) {
    CounterRow row;
    if (!CounterRow::from_key(key, value, row) || row.label_values.size() != dimensions_.size()) {
      ++dropped;
      continue;
    }
    rows.push_back(std::move(row));
  }
  std::lock_guard lock(mutex_);
  restored_ = std::move(rows);
  return dropped;
}

std::vector<CounterRow> MetricsRegistry::merged_rows() const {
  std::vector<CounterRow> rows;
  {
    std::lock_guard lock(mutex_);
    rows = restored_;
    for (const auto& shard : shards_) shard->snapshot(rows);
  }
  std::unordered_map<std::string, size_t> position;
  position.reserve(rows.size());
  std::vector<CounterRow> merged;
  merged.reserve(rows.size());
  for (auto& row : rows) {
    auto [it, inserted] = position.emplace(row.key(), merged.size());
    if (inserted) {
      merged.push_back(std::move(row));
    } else {
      merged[it->second].value += row.value;
    }
  }
  return merged;
}

std::vector<std::pair<std::string, uint64_t>> MetricsRegistry::checkpoint_counters(
    const std::vector<CounterRow>& rows) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& row : rows) {
    if (row.value > 0) out.emplace_back(row.key(), row.value);
  }
  return out;
}

std::vector<const SourceStats*> MetricsRegistry::source_stats() const {
  std::lock_guard lock(mutex_);
  std::vector<const SourceStats*> out;
  for (const auto& stats : source_stats_) out.push_back(stats.get());
  return out;
}

}  // namespace sdx
