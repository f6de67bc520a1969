#include "app/reload_plan.h"

namespace sdx {

ReloadPlan plan_reload(const std::vector<SourceConfig>& before,
                       const std::vector<SourceConfig>& after) {
  ReloadPlan plan;
  std::vector<bool> old_used(before.size(), false);
  std::vector<size_t> unmatched;
  for (size_t n = 0; n < after.size(); ++n) {
    bool found = false;
    for (size_t o = 0; o < before.size(); ++o) {
      if (before[o].name != after[n].name) continue;
      found = true;
      old_used[o] = true;
      const bool same = before[o].canonical() == after[n].canonical();
      (same ? plan.kept : plan.changed).push_back({o, n});
      break;
    }
    if (!found) unmatched.push_back(n);
  }
  for (size_t n : unmatched) {
    bool found = false;
    for (size_t o = 0; o < before.size(); ++o) {
      if (old_used[o] || before[o].type != after[n].type ||
          before[o].identity() != after[n].identity()) {
        continue;
      }
      old_used[o] = true;
      plan.renamed.push_back({o, n});
      found = true;
      break;
    }
    if (!found) plan.added.push_back(n);
  }
  for (size_t o = 0; o < before.size(); ++o) {
    if (!old_used[o]) plan.removed.push_back(o);
  }
  return plan;
}

}  // namespace sdx
