#pragma once
// The assembled exporter: the model, the counters and one SourceRuntime per
// configured source. Shared by the daemon and --once. Everything that
// changes sources or counters (restore, checkpoint, reload) runs on the
// ingest thread; scrapes read through counts_to_show() and
// collectables(), which are safe from any thread.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "app/source_runtime.h"
#include "config/config.h"
#include "metrics/exporter_stats.h"
#include "metrics/metrics_registry.h"
#include "sources/state_file.h"

namespace sdx {

// What a reload did, for the log line and the tests.
struct ReloadSummary {
  size_t kept = 0, changed = 0, renamed = 0, added = 0, removed = 0;
  size_t counters_dropped = 0;
};

class Exporter {
 public:
  // `read_from_start`: every file from its beginning, whatever start_at says
  // (--once).
  Exporter(Config config, bool read_from_start);
  ~Exporter();

  // Daemon start, before restore_checkpoint: takes the state file's lock
  // (StateFileLock). False, logged, if another process holds it: the
  // daemon must not start. A lock file that cannot be created is logged and
  // not fatal (checkpoints to that place fail and are counted anyway).
  bool lock_state_file();
  // Loads the state file (if configured): source states and counters. A
  // corrupt state file (checksum or parse) is moved aside and the exporter
  // starts clean. An unreadable one (open or read error) is retried a few
  // times; if it stays unreadable this returns false, logged, and the daemon
  // must not start: a good state file may be there, and starting from zero
  // would overwrite it at the first checkpoint.
  bool restore_checkpoint();
  // A checkpoint in two steps, so the ingest thread does not wait for the
  // disk: the snapshot (source states and counters, taken together on the
  // ingest thread between reads), then its write (on any thread; writes are
  // serialised and an older snapshot never replaces a newer one). Once
  // written, its counts become what /metrics shows. Failures are logged and
  // counted, never fatal.
  struct Counts;
  struct CheckpointSnapshot;
  // nullptr without a state file.
  std::shared_ptr<CheckpointSnapshot> snapshot_checkpoint();
  void write_snapshot(const CheckpointSnapshot& snapshot);
  // Both at once (reload, shutdown).
  void write_checkpoint();
  // Ingest thread, between reads: swaps in a validated config.
  ReloadSummary apply(Config config);

  // Event counter rows with the model they were taken under (its labels
  // name the rows' label values: a reload may change both).
  struct Counts {
    std::shared_ptr<const Model> model;
    std::shared_ptr<const std::vector<CounterRow>> rows;
  };
  // What /metrics shows for the event counters: with a state file, the
  // rows of the last checkpoint written (never a value a crash could take
  // back, so Prometheus sees no reset after kill -9); else, or while
  // checkpoints fail, the live ones.
  Counts counts_to_show() const;
  struct CheckpointSnapshot {
    uint64_t sequence = 0;
    std::string path;
    Checkpoint checkpoint;
    Counts counts;
  };
  Counts live_counts() const;

  // Ingest thread.
  std::vector<Source*> sources() const;
  // Every part's self metrics, for the exposition (any thread).
  std::vector<std::shared_ptr<const prometheus::Collectable>> collectables() const;

  const MetricsRegistry& registry() const { return registry_; }
  MetricsRegistry& registry() { return registry_; }
  ExporterStats& stats() { return stats_; }
  bool has_state_file() const;
  // The config in force (a copy: a reload may replace it).
  Config config() const;

 private:
  std::shared_ptr<SourceRuntime> make_runtime(const SourceConfig& source);

  mutable std::mutex mutex_;  // guards config_, runtimes_ and durable_ against readers
  Config config_;
  const bool read_from_start_;
  ExporterStats stats_;
  MetricsRegistry registry_;
  std::shared_ptr<const prometheus::Collectable> registry_view_;
  std::vector<std::shared_ptr<SourceRuntime>> runtimes_;
  uint64_t snapshot_sequence_ = 0;   // ingest thread
  std::mutex write_mutex_;           // held while a checkpoint is written
  uint64_t written_sequence_ = 0;    // guarded by write_mutex_
  bool checkpoint_failing_ = false;  // guarded by write_mutex_
  StateFileLock state_lock_;         // of config_.state_file, while held
  Counts durable_;                   // rows null = none
};

}  // namespace sdx
