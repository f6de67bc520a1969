#pragma once
// Descriptors file sources may hold, process-wide. Files are what can grow
// without bound (a glob over years of dateext-rotated logs); everything else
// (the HTTP listeners and their connections, checkpoints, inotify, logs)
// needs descriptors at the worst moment too, so files get the open-file
// limit minus a reserve, never all of it.
#include <atomic>
#include <cstddef>

namespace sdx {

class FdBudget {
 public:
  // The process's budget. The first call raises the soft RLIMIT_NOFILE to
  // the hard limit (as Go programs do) and sets the budget to that minus
  // the reserve.
  static FdBudget& process();

  explicit FdBudget(size_t limit) : limit_(limit) {}
  bool try_acquire();
  void release();
  size_t limit() const { return limit_; }
  size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }

  // Descriptors left to everything but files: a quarter of the limit, at
  // least 64.
  static size_t reserve_for(size_t open_file_limit);

 private:
  size_t limit_;
  std::atomic<size_t> in_use_{0};
};

}  // namespace sdx
