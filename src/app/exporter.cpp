#include "app/exporter.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <thread>

#include "app/reload_plan.h"
#include "sources/state_file.h"

namespace sdx {

Exporter::Exporter(Config config, bool read_from_start)
    : config_(std::move(config)),
      read_from_start_(read_from_start),
      registry_(Model::build(config_.model_settings())),
      // The registry lives as long as the exporter; collectables() hands it
      // out without ownership.
      registry_view_(&registry_, [](const prometheus::Collectable*) {}) {
  stats_.start_time.Set(static_cast<double>(std::time(nullptr)));
  stats_.config_last_reload_success_timestamp.Set(static_cast<double>(std::time(nullptr)));
  for (const SourceConfig& source : config_.sources) runtimes_.push_back(make_runtime(source));
}

Exporter::~Exporter() = default;

std::shared_ptr<SourceRuntime> Exporter::make_runtime(const SourceConfig& source) {
  SourceContext context;
  context.name = source.name;
  context.max_line_bytes = config_.max_line_bytes;
  context.read_from_start = read_from_start_;
  context.state_file = config_.state_file;
  return std::make_shared<SourceRuntime>(source, registry_, context);
}

Config Exporter::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

bool Exporter::has_state_file() const {
  std::lock_guard lock(mutex_);
  return !config_.state_file.empty();
}

Exporter::Counts Exporter::live_counts() const {
  auto [model, rows] = registry_.snapshot();
  return {std::move(model), std::make_shared<const std::vector<CounterRow>>(std::move(rows))};
}

Exporter::Counts Exporter::counts_to_show() const {
  {
    std::lock_guard lock(mutex_);
    if (durable_.rows) return durable_;
  }
  return live_counts();
}

std::vector<Source*> Exporter::sources() const {
  std::lock_guard lock(mutex_);
  std::vector<Source*> out;
  for (const auto& runtime : runtimes_) out.push_back(&runtime->source());
  return out;
}

std::vector<std::shared_ptr<const prometheus::Collectable>> Exporter::collectables() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const prometheus::Collectable>> out(runtimes_.begin(),
                                                                  runtimes_.end());
  out.push_back(registry_view_);
  out.push_back(stats_.registry());
  return out;
}

bool Exporter::lock_state_file() {
  if (config_.state_file.empty()) return true;
  std::string message;
  switch (state_lock_.acquire(config_.state_file, message)) {
    case StateFileLock::Result::locked:
      return true;
    case StateFileLock::Result::held_elsewhere:
      spdlog::critical("{}: refusing to start (one state file, one exporter)", message);
      return false;
    case StateFileLock::Result::failed:
      spdlog::warn("{}: running without the state file lock", message);
      return true;
  }
  return true;
}

bool Exporter::restore_checkpoint() {
  if (config_.state_file.empty()) return true;
  // An open or read error may be transient (EIO, a slow mount): retry with
  // a short backoff before giving up.
  constexpr int kAttempts = 4;
  CheckpointLoad load = load_checkpoint(config_.state_file);
  auto backoff = std::chrono::milliseconds(100);
  for (int attempt = 1; load.status == CheckpointLoad::Status::unreadable && attempt < kAttempts;
       ++attempt) {
    spdlog::warn("cannot read state file ({}); retrying in {} ms (attempt {} of {})", load.message,
                 backoff.count(), attempt + 1, kAttempts);
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
    load = load_checkpoint(config_.state_file);
  }
  switch (load.status) {
    case CheckpointLoad::Status::missing:
      spdlog::info("no state file at {}: starting fresh", config_.state_file);
      return true;
    case CheckpointLoad::Status::unreadable:
      spdlog::critical(
          "state file {} cannot be read ({}) after {} attempts: refusing to start, leaving it "
          "untouched (starting from zero would overwrite a state file that may be good); fix "
          "its permissions or storage, or remove it to start clean",
          config_.state_file, load.message, kAttempts);
      return false;
    case CheckpointLoad::Status::corrupt: {
      std::string aside = move_corrupt_checkpoint_aside(config_.state_file);
      stats_.checkpoint_corrupt_discarded.Increment();
      spdlog::error("state file {} is corrupt ({}); moved aside to {}; starting clean",
                    config_.state_file, load.message, aside.empty() ? "(failed)" : aside);
      return true;
    }
    case CheckpointLoad::Status::ok:
      break;
  }
  RestoreResult counters = registry_.restore(load.checkpoint.counters);
  if (counters.dropped + counters.malformed > 0) {
    stats_.counters_dropped.Increment(static_cast<double>(counters.dropped + counters.malformed));
    spdlog::warn(
        "{} saved counter series were saved under labels the configured ones cannot be derived "
        "from ({} unreadable) and were dropped",
        counters.dropped, counters.malformed);
  }
  // A source's state is found by its name, else (a source renamed while the
  // exporter was down) by what it reads.
  std::map<std::string, SourceState>& saved = load.checkpoint.sources;
  std::set<std::string> configured;
  for (const auto& runtime : runtimes_) configured.insert(runtime->config().name);
  size_t files = 0;
  for (auto& runtime : runtimes_) {
    const SourceConfig& source = runtime->config();
    auto it = saved.find(source.name);
    if (it == saved.end()) {
      for (auto other = saved.begin(); other != saved.end(); ++other) {
        if (!configured.contains(other->first) && other->second.identity == source.identity()) {
          spdlog::info("source {} was renamed to {}: continuing from its state", other->first,
                       source.name);
          it = other;
          break;
        }
      }
    }
    if (it == saved.end()) continue;
    runtime->source().restore(it->second);
    files += it->second.positions.size();
    saved.erase(it);
  }
  for (const auto& [name, state] : saved) {
    if (configured.contains(name)) continue;
    stats_.checkpoint_positions_dropped.Increment();
    spdlog::warn(
        "state file has source {} ({} file positions), which is no longer configured: "
        "its position is dropped (its counts are kept)",
        name, state.positions.size());
  }
  spdlog::info("restored {} file positions and {} counter series from {}", files, counters.restored,
               config_.state_file);
  return true;
}

std::shared_ptr<Exporter::CheckpointSnapshot> Exporter::snapshot_checkpoint() {
  if (config_.state_file.empty()) return nullptr;
  auto snapshot = std::make_shared<CheckpointSnapshot>();
  snapshot->sequence = ++snapshot_sequence_;
  snapshot->path = config_.state_file;
  snapshot->checkpoint.written_at = std::time(nullptr);
  for (const auto& runtime : runtimes_) {
    snapshot->checkpoint.sources[runtime->config().name] = runtime->source().state();
  }
  snapshot->counts = live_counts();
  snapshot->checkpoint.counters = registry_.checkpoint_counters(*snapshot->counts.rows);
  return snapshot;
}

void Exporter::write_snapshot(const CheckpointSnapshot& snapshot) {
  // One writer at a time, and never an older snapshot over a newer one (a
  // reload writes synchronously while the loop's writer may be busy).
  std::lock_guard write_lock(write_mutex_);
  if (snapshot.sequence <= written_sequence_) return;
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(snapshot.path).parent_path(), ignored);
  std::string error;
  const bool saved = save_checkpoint(snapshot.path, snapshot.checkpoint, error);
  {
    std::lock_guard lock(mutex_);
    durable_ = saved ? snapshot.counts : Counts{};
  }
  if (saved) {
    written_sequence_ = snapshot.sequence;
    stats_.checkpoint_writes.Increment();
    stats_.last_checkpoint_timestamp.Set(static_cast<double>(snapshot.checkpoint.written_at));
    if (checkpoint_failing_) spdlog::info("checkpoint writes to {} work again", snapshot.path);
    checkpoint_failing_ = false;
  } else {
    stats_.checkpoint_failures.Increment();
    // Log the first failure of a streak, not every interval.
    if (!checkpoint_failing_) {
      spdlog::error("cannot write checkpoint {}: {} (will keep trying)", snapshot.path, error);
    }
    checkpoint_failing_ = true;
  }
}

void Exporter::write_checkpoint() {
  if (auto snapshot = snapshot_checkpoint()) write_snapshot(*snapshot);
}

ReloadSummary Exporter::apply(Config next) {
  ReloadSummary summary;
  // A new state file is locked before anything changes: if another process
  // holds it, the throw refuses the reload and the old config and lock stay.
  const bool new_state_file = next.state_file != config_.state_file;
  StateFileLock next_lock;
  if (new_state_file && !next.state_file.empty()) {
    std::string message;
    switch (next_lock.acquire(next.state_file, message)) {
      case StateFileLock::Result::locked:
        break;
      case StateFileLock::Result::held_elsewhere:
        throw std::runtime_error(message);
      case StateFileLock::Result::failed:
        spdlog::warn("reload: {}: running without the state file lock", message);
        break;
    }
  }
  const ReloadPlan plan = plan_reload(config_.sources, next.sources);
  // Every shard is retired before the model changes, so the base holds all
  // counts under the old labels and is carried to the new ones in one step.
  std::vector<std::shared_ptr<SourceRuntime>> old = runtimes_;
  std::vector<SourceState> old_states;
  for (const auto& runtime : old) old_states.push_back(runtime->source().state());
  for (const auto& runtime : old) runtime->retire_counters();
  RestoreResult carried = registry_.reconfigure(Model::build(next.model_settings()));
  summary.counters_dropped = carried.dropped;
  if (carried.dropped > 0) {
    stats_.counters_dropped.Increment(static_cast<double>(carried.dropped));
    spdlog::warn("reload: {} counter series cannot be carried to the new labels and were dropped",
                 carried.dropped);
  }

  std::vector<std::shared_ptr<SourceRuntime>> next_runtimes(next.sources.size());
  for (const auto& [o, n] : plan.kept) {
    old[o]->rebind(next.sources[n]);
    next_runtimes[n] = old[o];
  }
  {
    // make_runtime reads config_: the new global settings apply to new sources.
    std::lock_guard lock(mutex_);
    config_.max_line_bytes = next.max_line_bytes;
  }
  auto carry = [&](const std::vector<ReloadPlan::Pair>& pairs) {
    for (const auto& [o, n] : pairs) {
      next_runtimes[n] = make_runtime(next.sources[n]);
      next_runtimes[n]->source().restore(old_states[o]);
      old[o]->source().stop();
    }
  };
  carry(plan.changed);
  carry(plan.renamed);
  for (size_t n : plan.added) next_runtimes[n] = make_runtime(next.sources[n]);
  for (size_t o : plan.removed) old[o]->source().stop();
  for (const auto& runtime : next_runtimes) runtime->source().start();

  summary.kept = plan.kept.size();
  summary.changed = plan.changed.size();
  summary.renamed = plan.renamed.size();
  summary.added = plan.added.size();
  summary.removed = plan.removed.size();
  {
    std::lock_guard lock(mutex_);
    runtimes_ = std::move(next_runtimes);
    config_ = std::move(next);
  }
  // Releases the old state file's lock when the state file changed.
  if (new_state_file) state_lock_ = std::move(next_lock);
  return summary;
}

}  // namespace sdx
