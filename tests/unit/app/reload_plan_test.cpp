#include "app/reload_plan.h"

#include <catch2/catch.hpp>

#include "config/config_loader.h"

using namespace sdx;

namespace {

std::vector<SourceConfig> sources_of(const std::string& yaml) {
  return load_config_string(yaml, "test.yaml").sources;
}

std::vector<std::pair<size_t, size_t>> pairs(const std::vector<ReloadPlan::Pair>& in) {
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& p : in) out.emplace_back(p.old_index, p.new_index);
  return out;
}

}  // namespace

TEST_CASE("reload plan: kept, changed, renamed, added, removed", "[app]") {
  const auto before = sources_of(
      "sources:\n"
      "  - {name: same, type: file, paths: [a.log]}\n"
      "  - {name: edited, type: file, paths: [b.log]}\n"
      "  - {name: old-name, type: file, paths: [c.log, d.log]}\n"
      "  - {name: gone, type: file, paths: [e.log]}\n");
  const auto after = sources_of(
      "sources:\n"
      "  - {name: new-name, type: file, paths: [c.log, d.log]}\n"
      "  - {name: same, type: file, paths: [a.log]}\n"
      "  - {name: edited, type: file, paths: [b.log], start_at: end}\n"
      "  - {name: fresh, type: file, paths: [f.log]}\n");
  const ReloadPlan plan = plan_reload(before, after);
  CHECK(pairs(plan.kept) == std::vector<std::pair<size_t, size_t>>{{0, 1}});
  CHECK(pairs(plan.changed) == std::vector<std::pair<size_t, size_t>>{{1, 2}});
  CHECK(pairs(plan.renamed) == std::vector<std::pair<size_t, size_t>>{{2, 0}});
  CHECK(plan.added == std::vector<size_t>{3});
  CHECK(plan.removed == std::vector<size_t>{3});
}

TEST_CASE("reload plan: a rename needs the same paths, in the same order", "[app]") {
  const auto before = sources_of("sources:\n  - {name: a, type: file, paths: [x.log, y.log]}\n");
  const auto reordered = sources_of("sources:\n  - {name: b, type: file, paths: [y.log, x.log]}\n");
  ReloadPlan plan = plan_reload(before, reordered);
  CHECK(plan.renamed.empty());
  CHECK(plan.added == std::vector<size_t>{0});
  CHECK(plan.removed == std::vector<size_t>{0});
  // The same name with other paths is a change (its state is still carried).
  const auto repathed = sources_of("sources:\n  - {name: a, type: file, paths: [x.log]}\n");
  plan = plan_reload(before, repathed);
  CHECK(pairs(plan.changed) == std::vector<std::pair<size_t, size_t>>{{0, 0}});
}

TEST_CASE("reload plan: identical configs keep everything", "[app]") {
  const auto sources = sources_of(
      "sources:\n"
      "  - {name: a, type: file, paths: [a.log]}\n"
      "  - {name: b, type: file, paths: [b.log], format: tencent_callback}\n");
  const ReloadPlan plan = plan_reload(sources, sources);
  CHECK(plan.kept.size() == 2);
  CHECK(plan.changed.empty());
  CHECK(plan.renamed.empty());
  CHECK(plan.added.empty());
  CHECK(plan.removed.empty());
}
