#pragma once
// The exporter-wide cap on distinct dimension label sets (max_label_sets),
// shared by every counter shard and by the label sets restored from a
// checkpoint, so a flood of stream names cannot grow memory or the state
// file. A label set is admitted once, whichever shard or restart sees it.
// Only the creation of a new label set comes here, never a hot-path event.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sdx {

class LabelSetBudget {
 public:
  explicit LabelSetBudget(size_t max_label_sets) : max_(max_label_sets) {}

  // True when this label set is already admitted or there is room for it.
  // `key`: every label value (source included) through append_key().
  bool admit(std::string_view key);
  bool admit(const std::vector<std::string>& label_values);
  size_t used() const;
  size_t max() const;
  // A reload: forget every admitted set and take a new cap (the overflow
  // count is a counter and keeps going).
  void reset(size_t max_label_sets);

  void count_overflow_event() { overflow_events_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t overflow_events() const { return overflow_events_.load(std::memory_order_relaxed); }

  // Length-prefixed, so no two different label sets share a key (a NUL or
  // separator inside a value cannot make them collide).
  static void append_key(std::string& key, std::string_view value);

 private:
  mutable std::mutex mutex_;
  size_t max_;
  std::unordered_set<std::string> admitted_;
  std::atomic<uint64_t> overflow_events_{0};
};

}  // namespace sdx
