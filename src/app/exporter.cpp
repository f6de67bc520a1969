#include "app/exporter.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <filesystem>

#include "parse/callback_parser.h"
#include "sources/state_file.h"

namespace sdx {
namespace {

CodeTable build_code_table(const Config& config) {
  CodeTable table = CodeTable::builtin();
  for (const CodeEntry& entry : config.codes) table.upsert(entry);
  return table;
}

std::unique_ptr<LineParser> make_parser(const SourceConfig& source,
                                        const std::vector<Dimension>& labels) {
  DimensionFields fields;
  for (Dimension label : labels) {
    fields.domain |= label == Dimension::domain;
    fields.app |= label == Dimension::app;
    fields.appid |= label == Dimension::appid;
    fields.stream |= label == Dimension::stream;
  }
  switch (source.format) {
    case SourceFormat::tencent_callback:
      return std::make_unique<TencentCallbackParser>(fields);
  }
  return nullptr;
}

}  // namespace

Exporter::Exporter(Config config, bool read_from_start)
    : config_(std::move(config)),
      table_(build_code_table(config_)),
      classifier_(table_),
      registry_(table_, config_.labels, config_.max_label_sets) {
  registry_.stats().start_time.store(std::time(nullptr));
  registry_.stats().config_last_reload_success_timestamp.store(std::time(nullptr));
  for (const SourceConfig& source : config_.sources) {
    SourceRuntime runtime;
    runtime.stats = &registry_.add_source_stats(source.name);
    EventCounters& counters = registry_.add_counters(source.name);
    runtime.pipeline = std::make_unique<EventPipeline>(make_parser(source, config_.labels),
                                                       classifier_, counters, *runtime.stats);
    if (source.type == SourceType::file) {
      runtime.stats->is_file_source = true;
      FileSourceOptions options;
      options.name = source.name;
      options.paths = source.paths;
      options.start_at_beginning = read_from_start || source.start_at == StartAt::beginning;
      options.max_line_bytes = config_.max_line_bytes;
      runtime.file = std::make_unique<FileSource>(options, *runtime.pipeline, runtime.stats->file);
    }
    sources_.push_back(std::move(runtime));
  }
}

Exporter::~Exporter() = default;

std::shared_ptr<const std::vector<CounterRow>> Exporter::durable_rows() const {
  std::lock_guard lock(durable_mutex_);
  return durable_rows_;
}

std::vector<FileSource*> Exporter::file_sources() const {
  std::vector<FileSource*> out;
  for (const auto& runtime : sources_) {
    if (runtime.file) out.push_back(runtime.file.get());
  }
  return out;
}

void Exporter::restore_checkpoint() {
  if (config_.state_file.empty()) return;
  CheckpointLoad load = load_checkpoint(config_.state_file);
  switch (load.status) {
    case CheckpointLoad::Status::missing:
      spdlog::info("no state file at {}: starting fresh", config_.state_file);
      return;
    case CheckpointLoad::Status::corrupt: {
      std::string aside = move_corrupt_checkpoint_aside(config_.state_file);
      registry_.stats().checkpoint_corrupt_discarded.fetch_add(1);
      spdlog::error("state file {} is corrupt ({}); moved aside to {}; starting clean",
                    config_.state_file, load.message, aside.empty() ? "(failed)" : aside);
      return;
    }
    case CheckpointLoad::Status::ok:
      break;
  }
  size_t dropped = registry_.restore(load.checkpoint.counters);
  if (dropped > 0) {
    spdlog::warn("{} saved counters no longer match the configured labels and were dropped",
                 dropped);
  }
  size_t files = 0;
  for (auto& runtime : sources_) {
    if (!runtime.file) continue;
    auto it = load.checkpoint.positions.find(runtime.file->name());
    if (it == load.checkpoint.positions.end()) continue;
    runtime.file->restore(it->second);
    files += it->second.size();
  }
  spdlog::info("restored {} file positions and {} counters from {}", files,
               load.checkpoint.counters.size(), config_.state_file);
}

void Exporter::write_checkpoint() {
  if (config_.state_file.empty()) return;
  Checkpoint checkpoint;
  checkpoint.written_at = std::time(nullptr);
  for (const auto& runtime : sources_) {
    if (runtime.file) checkpoint.positions[runtime.file->name()] = runtime.file->positions();
  }
  auto rows = std::make_shared<const std::vector<CounterRow>>(registry_.merged_rows());
  checkpoint.counters = MetricsRegistry::checkpoint_counters(*rows);
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(config_.state_file).parent_path(),
                                      ignored);
  std::string error;
  ExporterStats& stats = registry_.stats();
  bool saved = save_checkpoint(config_.state_file, checkpoint, error);
  {
    std::lock_guard lock(durable_mutex_);
    durable_rows_ = saved ? std::move(rows) : nullptr;
  }
  if (saved) {
    stats.checkpoint_writes.fetch_add(1, std::memory_order_relaxed);
    stats.last_checkpoint_timestamp.store(checkpoint.written_at, std::memory_order_relaxed);
    if (checkpoint_failing_) spdlog::info("checkpoint writes to {} work again", config_.state_file);
    checkpoint_failing_ = false;
  } else {
    stats.checkpoint_failures.fetch_add(1, std::memory_order_relaxed);
    // Log the first failure of a streak, not every interval.
    if (!checkpoint_failing_) {
      spdlog::error("cannot write checkpoint {}: {} (will keep trying)", config_.state_file, error);
    }
    checkpoint_failing_ = true;
  }
}

}  // namespace sdx
