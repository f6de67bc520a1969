#pragma once
// Owns every counter shard and stats block, and merges them for scrapes and
// checkpoints. Counters restored from a checkpoint are kept as a base that
// live counts add to, so a restart shows Prometheus no counter reset.
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "classify/code_table.h"
#include "metrics/counter_row.h"
#include "metrics/event_counters.h"
#include "metrics/exporter_stats.h"
#include "metrics/label_set_budget.h"
#include "metrics/source_stats.h"

namespace sdx {

class MetricsRegistry {
 public:
  MetricsRegistry(const CodeTable& table, std::vector<Dimension> dimensions, size_t max_label_sets);

  // Each writer (source) gets its own shard and stats; addresses are stable.
  EventCounters& add_counters(const std::string& source_name);
  SourceStats& add_source_stats(const std::string& source_name);

  // Checkpointed counters (key, value) from CounterRow::key(); rows whose
  // labels no longer match the configured dimensions are dropped. Returns
  // how many were dropped.
  size_t restore(const std::vector<std::pair<std::string, uint64_t>>& saved);

  // Restored base + every shard, one row per series.
  std::vector<CounterRow> merged_rows() const;
  // The non-zero rows of `rows` as checkpoint entries.
  static std::vector<std::pair<std::string, uint64_t>> checkpoint_counters(
      const std::vector<CounterRow>& rows);

  const CodeTable& table() const { return table_; }
  const std::vector<Dimension>& dimensions() const { return dimensions_; }
  const LabelSetBudget& budget() const { return budget_; }
  ExporterStats& stats() { return stats_; }
  const ExporterStats& stats() const { return stats_; }
  std::vector<const SourceStats*> source_stats() const;

 private:
  const CodeTable& table_;
  const std::vector<Dimension> dimensions_;
  LabelSetBudget budget_;
  ExporterStats stats_;
  mutable std::mutex mutex_;  // guards the containers below (not the counters)
  std::deque<std::unique_ptr<EventCounters>> shards_;
  std::deque<std::unique_ptr<SourceStats>> source_stats_;
  std::vector<CounterRow> restored_;
};

}  // namespace sdx
