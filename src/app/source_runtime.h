#pragma once
// One configured source at run time: the Source its type's factory made, the
// event pipeline it feeds (parser from its format, the current model's
// classifier, a counter shard) and its pipeline self metrics. A reload
// either keeps the runtime and rebinds it to the new model (its files stay
// open) or replaces it.
#include <memory>

#include <prometheus/collectable.h>

#include "app/event_pipeline.h"
#include "config/config.h"
#include "metrics/metrics_registry.h"
#include "metrics/source_stats.h"
#include "sources/source.h"
#include "sources/source_factory.h"

namespace sdx {

class SourceRuntime final : public prometheus::Collectable {
 public:
  SourceRuntime(SourceConfig config, MetricsRegistry& registry, const SourceContext& context);
  ~SourceRuntime() override;

  // Ingest thread, first step of a reload: this source's counts go to the
  // registry's base. Nothing may be counted until rebind() or destruction.
  void retire_counters();
  // Ingest thread, after retire_counters() and the registry's reconfigure():
  // a new pipeline and shard under the registry's current model.
  void rebind(SourceConfig config);

  Source& source() { return *source_; }
  const SourceConfig& config() const { return config_; }

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::unique_ptr<EventPipeline> make_pipeline();

  SourceConfig config_;
  MetricsRegistry& registry_;
  SourceStats stats_;
  std::shared_ptr<EventCounters> counters_;
  std::unique_ptr<EventPipeline> pipeline_;
  std::unique_ptr<Source> source_;
};

}  // namespace sdx
