#pragma once
// The disconnect and push counters of one writer thread (a source's ingest
// thread; a multi-threaded source takes one shard per thread), for one model:
// a reload retires the shard into the registry's base and starts a new one.
// Hot path: the writer resolves an event's label set (no lookup at all when
// no dimension labels are configured) and bumps a relaxed atomic in a dense
// per-code array — no lock, no map lookup per code. Scrapes and checkpoints
// read concurrently through snapshot().
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "classify/classifier.h"
#include "classify/model.h"
#include "metrics/counter_row.h"
#include "metrics/dimension.h"
#include "metrics/label_set_budget.h"
#include "metrics/push_duration_buckets.h"
#include "parse/event.h"

namespace sdx {

class EventCounters {
 public:
  // Counters of one distinct combination of dimension label values.
  class LabelSet;

  EventCounters(std::shared_ptr<const Model> model, std::string source_name,
                LabelSetBudget& budget);
  ~EventCounters();
  EventCounters(const EventCounters&) = delete;
  EventCounters& operator=(const EventCounters&) = delete;

  // The label set for this event's dimension values (writer thread only).
  LabelSet& label_set_for(const Event& event);
  // `push_duration_ms`: observed in stream_push_duration_seconds when known.
  void count_disconnect(LabelSet& set, const Classification& classification,
                        std::optional<int64_t> push_duration_ms = std::nullopt);
  void count_push(LabelSet& set);

  // Adds every non-zero counter as a row (any thread).
  void snapshot(std::vector<CounterRow>& rows) const;

  // At least the number of rows snapshot() adds: callers reserve it, so a
  // large snapshot is not copied while its vector grows (pages reserved and
  // never written cost no memory).
  size_t snapshot_bound() const;

  size_t label_set_count() const;
  const std::string& source_name() const { return source_name_; }
  const Model& model() const { return *model_; }

 private:
  LabelSet& create_label_set(std::string key, std::vector<std::string> values);
  LabelSet& overflow_set();
  void observe_push_duration(LabelSet& set, Category category, int64_t ms);

  // Open-addressing index of label sets (writer thread only): the hash sits
  // next to the pointer, so a lookup touches one slot and the set it finds,
  // not a bucket array and a list node too — it keeps per-event cost flat as
  // label sets grow into the thousands.
  // A short key (a stream name) is kept in the slot itself, so a lookup
  // touches one cache line, not the line of a string elsewhere too.
  struct alignas(64) IndexSlot {
    static constexpr size_t kInlineKey = 36;
    uint64_t hash = 0;
    LabelSet* set = nullptr;
    const std::string* key = nullptr;  // the set's key, or a refused one's
    uint32_t length = 0;
    char inline_key[kInlineKey] = {};  // the key's bytes when it fits
    bool matches(std::string_view other, uint64_t other_hash) const;
  };
  LabelSet* find_indexed(std::string_view key, uint64_t hash) const;
  void insert_indexed(LabelSet* set, uint64_t hash, const std::string* key);
  // A label set and its counters are one allocation (see LabelSet).
  struct LabelSetDeleter {
    void operator()(LabelSet* set) const;
  };
  using LabelSetPtr = std::unique_ptr<LabelSet, LabelSetDeleter>;

  const std::shared_ptr<const Model> model_;
  const CodeTable& table_;
  const std::vector<Dimension> dimensions_;
  const std::string source_name_;
  LabelSetBudget& budget_;
  const bool uses_event_dimensions_;

  mutable std::mutex structure_mutex_;  // guards sets_ growth vs. snapshot()
  std::vector<LabelSetPtr> sets_;
  std::vector<IndexSlot> index_;  // size is a power of two, at most half full
  size_t indexed_ = 0;
  LabelSet* fixed_set_ = nullptr;     // the only set when no event dimensions are configured
  LabelSet* overflow_set_ = nullptr;  // past the label-set cap
  std::string key_buffer_;
  std::string budget_key_;
  // Keys of label sets the budget refused, indexed to the overflow set so
  // their later events cost one probe, like any other set's (bounded: past
  // kMaxRefusedRemembered a new name asks the budget each time).
  std::deque<std::string> refused_;
};

}  // namespace sdx
