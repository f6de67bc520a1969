#pragma once
// The exporter-wide cap on distinct dimension label sets (max_label_sets).
// Shared by all counter shards so a flood of stream names cannot grow memory.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace sdx {

class LabelSetBudget {
 public:
  explicit LabelSetBudget(size_t max_label_sets) : max_(max_label_sets) {}
  // Takes one slot; false when the cap is reached.
  bool try_take() {
    size_t used = used_.load(std::memory_order_relaxed);
    while (used < max_) {
      if (used_.compare_exchange_weak(used, used + 1, std::memory_order_relaxed)) return true;
    }
    return false;
  }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t max() const { return max_; }
  void count_overflow_event() { overflow_events_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t overflow_events() const { return overflow_events_.load(std::memory_order_relaxed); }

 private:
  const size_t max_;
  std::atomic<size_t> used_{0};
  std::atomic<uint64_t> overflow_events_{0};
};

}  // namespace sdx
