#pragma once
// The assembled exporter: code table, classifier, metrics and one pipeline
// plus source per configured source. Shared by the daemon and --once.
#include <memory>
#include <mutex>
#include <vector>

#include "app/event_pipeline.h"
#include "classify/classifier.h"
#include "classify/code_table.h"
#include "config/config.h"
#include "metrics/metrics_registry.h"
#include "sources/file_source.h"

namespace sdx {

class Exporter {
 public:
  // `read_from_start`: every file from its beginning, whatever start_at says
  // (--once).
  Exporter(Config config, bool read_from_start);
  ~Exporter();

  // Loads the state file (if configured): positions and counters. A corrupt
  // state file is moved aside and the exporter starts clean.
  void restore_checkpoint();
  // Saves positions and counters together. Call from the ingest thread only,
  // between reads. Failures are logged and counted, never fatal.
  void write_checkpoint();

  // What /metrics shows for the event counters: with a state file, the
  // values of the last checkpoint written (never a value a crash could take
  // back, so Prometheus sees no reset after kill -9); else, or while
  // checkpoints fail, the live values (null).
  std::shared_ptr<const std::vector<CounterRow>> durable_rows() const;

  std::vector<FileSource*> file_sources() const;
  MetricsRegistry& registry() { return registry_; }
  const Config& config() const { return config_; }

 private:
  struct SourceRuntime {
    SourceStats* stats = nullptr;
    std::unique_ptr<EventPipeline> pipeline;
    std::unique_ptr<FileSource> file;
  };

  const Config config_;
  CodeTable table_;
  Classifier classifier_;
  MetricsRegistry registry_;
  std::vector<SourceRuntime> sources_;
  bool checkpoint_failing_ = false;
  mutable std::mutex durable_mutex_;
  std::shared_ptr<const std::vector<CounterRow>> durable_rows_;
};

}  // namespace sdx
