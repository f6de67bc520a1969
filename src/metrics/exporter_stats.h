#pragma once
// Exporter-wide self metrics that belong to no single source, kept in a
// prometheus-cpp Registry (a Collectable like every other part).
#include <memory>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace sdx {

class ExporterStats {
 public:
  ExporterStats();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  prometheus::Counter& checkpoint_writes;
  prometheus::Counter& checkpoint_failures;
  prometheus::Gauge& last_checkpoint_timestamp;
  prometheus::Counter& checkpoint_corrupt_discarded;
  prometheus::Counter& checkpoint_positions_dropped;
  prometheus::Gauge& config_last_reload_successful;
  prometheus::Gauge& config_last_reload_success_timestamp;
  prometheus::Counter& config_reloads;
  prometheus::Counter& config_reload_failures;
  prometheus::Counter& counters_dropped;
  prometheus::Counter& source_failures;
  prometheus::Gauge& start_time;

 private:
  // Built first (constructor body order does not apply to references).
  struct Holder {
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  };
  explicit ExporterStats(Holder holder);
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace sdx
