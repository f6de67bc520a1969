#include "sources/fd_budget.h"

#include <sys/resource.h>

#include <algorithm>

namespace sdx {

size_t FdBudget::reserve_for(size_t open_file_limit) {
  return std::max<size_t>(64, open_file_limit / 4);
}

FdBudget& FdBudget::process() {
  static FdBudget budget = [] {
    rlimit limit{};
    size_t files = 1024;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
      }
      if (limit.rlim_cur != RLIM_INFINITY)
        files = static_cast<size_t>(limit.rlim_cur);
      else
        files = size_t{1} << 20;
    }
    const size_t reserve = reserve_for(files);
    return FdBudget(files > reserve ? files - reserve : 0);
  }();
  return budget;
}

bool FdBudget::try_acquire() {
  size_t used = in_use_.load(std::memory_order_relaxed);
  while (used < limit_) {
    if (in_use_.compare_exchange_weak(used, used + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void FdBudget::release() { in_use_.fetch_sub(1, std::memory_order_relaxed); }

}  // namespace sdx
