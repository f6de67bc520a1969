#pragma once
// What a reload does to each source, decided from the old and the new
// source lists alone (so it is unit-tested without running anything).
#include <cstddef>
#include <vector>

#include "config/config.h"

namespace sdx {

struct ReloadPlan {
  struct Pair {
    size_t old_index;
    size_t new_index;
  };
  // Same name, same settings: the running source is kept (open files,
  // positions) and only rebound to the new model.
  std::vector<Pair> kept;
  // Same name, other settings: a new source, started from the old one's
  // state, so files it read are not read again.
  std::vector<Pair> changed;
  // A new name that reads what a removed name read (same identity, e.g. the
  // same paths): a new source under the new name, from the old one's state.
  std::vector<Pair> renamed;
  std::vector<size_t> added;    // new_index
  std::vector<size_t> removed;  // old_index: stopped; its counts stay
};

ReloadPlan plan_reload(const std::vector<SourceConfig>& before,
                       const std::vector<SourceConfig>& after);

}  // namespace sdx
