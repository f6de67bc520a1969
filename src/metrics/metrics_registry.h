#pragma once
// Owns the event counters: one shard per writer, plus a base of counts that
// are no longer written (restored from a checkpoint, or retired by a reload
// or a removed source). Live shards add to the base, so neither a restart
// nor a reload shows Prometheus a counter reset. Its own gauges (label sets,
// overflow) are a prometheus::Collectable.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>

#include "classify/model.h"
#include "metrics/counter_row.h"
#include "metrics/event_counters.h"
#include "metrics/label_set_budget.h"

namespace sdx {

struct RestoreResult {
  size_t restored = 0;
  size_t dropped = 0;  // saved under labels the current ones cannot be derived from
  size_t malformed = 0;
};

class MetricsRegistry final : public prometheus::Collectable {
 public:
  explicit MetricsRegistry(std::shared_ptr<const Model> model);
  ~MetricsRegistry() override;

  std::shared_ptr<const Model> model() const;
  LabelSetBudget& budget() { return budget_; }
  const LabelSetBudget& budget() const { return budget_; }

  // A new shard for one writer of this source, under the current model;
  // valid until retired.
  std::shared_ptr<EventCounters> add_counters(const std::string& source_name);
  // Moves a shard's counts into the base and forgets it. Call from the
  // shard's writer thread after its last write (or once that thread ended).
  void retire(const std::shared_ptr<EventCounters>& shard);

  // A reload: every shard must have been retired. Base rows are carried to
  // the new labels when they can be (a label kept or removed, `source`
  // added), else dropped and counted in the result; label sets are
  // admitted again under the new cap, the excess folding into __overflow__.
  RestoreResult reconfigure(std::shared_ptr<const Model> model);

  // Checkpointed counters (key, value) from CounterRow::key(), into the
  // base. Call at start, before any shard counts.
  RestoreResult restore(const std::vector<std::pair<std::string, uint64_t>>& saved);

  // Every row, base and live, one per (source, series): what a checkpoint
  // saves. Sources are merged only for the exposition (merge_series).
  std::vector<CounterRow> rows() const;
  // rows() with the model whose labels they carry, taken together.
  std::pair<std::shared_ptr<const Model>, std::vector<CounterRow>> snapshot() const;
  // The non-zero rows as checkpoint entries, keyed with the current labels.
  std::vector<std::pair<std::string, uint64_t>> checkpoint_counters(
      const std::vector<CounterRow>& rows) const;
  // Sums rows that differ only in their source.
  static std::vector<CounterRow> merge_series(std::vector<CounterRow> rows);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  void add_to_base(CounterRow row);  // mutex_ held
  RestoreResult rebuild_base(std::vector<CounterRow> rows,
                             const std::vector<std::vector<std::string>>& label_names,
                             const std::vector<Dimension>& labels);  // mutex_ held

  mutable std::mutex mutex_;
  std::shared_ptr<const Model> model_;
  LabelSetBudget budget_;
  std::vector<std::shared_ptr<EventCounters>> shards_;
  std::vector<CounterRow> base_;
  std::unordered_map<std::string, size_t> base_index_;  // key() -> position in base_
};

}  // namespace sdx
