#include "app/parallel_once.h"

#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "app/event_pipeline.h"
#include "metrics/source_stats.h"
#include "parse/format.h"
#include "sources/file_source.h"
#include "sources/glob_paths.h"

namespace sdx {
namespace {

constexpr uint64_t kReadSlice = uint64_t{16} << 20;

// The paths of a file source, from its identity (FileSource::identity_of:
// "file" then one path a line).
std::vector<std::string> file_source_paths(const SourceConfig& source) {
  std::vector<std::string> paths;
  const std::string identity = source.identity();
  size_t start = identity.find('\n');
  while (start != std::string::npos) {
    const size_t end = identity.find('\n', start + 1);
    paths.push_back(identity.substr(start + 1, end == std::string::npos ? end : end - start - 1));
    start = end;
  }
  return paths;
}

// As SourceRuntime does: only the dimensions the labels use are decoded.
DimensionFields fields_for(const std::vector<Dimension>& labels) {
  DimensionFields fields;
  for (Dimension label : labels) {
    fields.domain |= label == Dimension::domain;
    fields.app |= label == Dimension::app;
    fields.appid |= label == Dimension::appid;
    fields.stream |= label == Dimension::stream;
  }
  return fields;
}

struct Job {
  size_t source;  // index in the config's sources
  std::string path;
  uint64_t size;
};

// One source's files on one thread.
struct Reader {
  Reader(const SourceConfig& config, MetricsRegistry& registry, size_t max_line_bytes,
         std::vector<std::string> paths)
      : stats(config.name), counters(registry.add_counters(config.name)) {
    auto parser = config.format_spec->make_parser(fields_for(counters->model().labels()));
    pipeline = std::make_unique<EventPipeline>(std::move(parser), *counters, stats);
    FileSourceOptions options;
    options.name = config.name;
    options.paths = std::move(paths);
    options.start_at_beginning = true;
    options.max_line_bytes = max_line_bytes;
    source = std::make_unique<FileSource>(std::move(options), *pipeline, file_stats);
  }
  SourceStats stats;
  FileSourceStats file_stats;
  std::shared_ptr<EventCounters> counters;
  std::unique_ptr<EventPipeline> pipeline;
  std::unique_ptr<FileSource> source;
};

// One source's self metrics summed over its readers, in the shape (and
// family order) its SourceRuntime gives: pipeline stats, then the file
// source's own. Those are summed sample by sample (same family, same
// labels): every one is a count or a number of files, and the readers read
// disjoint files.
class SummedSource final : public prometheus::Collectable {
 public:
  explicit SummedSource(const std::string& name) : stats_(name) {}
  void add(const Reader& reader) {
    stats_.add(reader.stats);
    std::vector<prometheus::MetricFamily> families;
    reader.source->collect(families);
    for (auto& family : families) {
      auto into = std::find_if(file_families_.begin(), file_families_.end(),
                               [&](const auto& f) { return f.name == family.name; });
      if (into == file_families_.end()) {
        file_families_.push_back(std::move(family));
        continue;
      }
      for (auto& metric : family.metric) {
        auto same = std::find_if(into->metric.begin(), into->metric.end(),
                                 [&](const auto& m) { return m.label == metric.label; });
        if (same == into->metric.end()) {
          into->metric.push_back(std::move(metric));
        } else {
          same->counter.value += metric.counter.value;
          same->gauge.value += metric.gauge.value;
        }
      }
    }
  }
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families;
    stats_.collect(families);
    families.insert(families.end(), file_families_.begin(), file_families_.end());
    return families;
  }

 private:
  SourceStats stats_;
  std::vector<prometheus::MetricFamily> file_families_;
};

uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

ParallelOnce read_in_parallel(Exporter& exporter, unsigned threads) {
  ParallelOnce result;
  const Config config = exporter.config();
  std::vector<Job> jobs;
  for (size_t i = 0; i < config.sources.size(); ++i) {
    if (config.sources[i].type != "file") return result;
    std::vector<std::string> paths = expand_paths(file_source_paths(config.sources[i]));
    // A source without files keeps its own (unread) runtime's metrics on
    // one thread: nothing to split, and its warnings are its own.
    if (paths.empty()) return result;
    for (std::string& path : paths) {
      const uint64_t size = file_size(path);
      jobs.push_back({i, std::move(path), size});
    }
  }
  threads = static_cast<unsigned>(std::min<size_t>(threads, jobs.size()));
  if (threads < 2) return result;

  // Largest file first onto the least loaded thread.
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const Job& a, const Job& b) { return a.size > b.size; });
  std::vector<std::vector<const Job*>> plan(threads);
  std::vector<uint64_t> load(threads, 0);
  for (const Job& job : jobs) {
    const size_t t = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    plan[t].push_back(&job);
    load[t] += job.size + 1;
  }

  MetricsRegistry& registry = exporter.registry();
  std::vector<std::vector<std::unique_ptr<Reader>>> readers(threads);
  for (unsigned t = 0; t < threads; ++t) {
    for (size_t s = 0; s < config.sources.size(); ++s) {
      std::vector<std::string> paths;
      for (const Job* job : plan[t]) {
        if (job->source == s) paths.push_back(job->path);
      }
      if (paths.empty()) continue;
      std::sort(paths.begin(), paths.end());
      readers[t].push_back(std::make_unique<Reader>(config.sources[s], registry,
                                                    config.max_line_bytes, std::move(paths)));
    }
  }

  // A refused label set makes the result depend on which thread saw it
  // first: stop early, the caller reads again on one thread.
  std::atomic<bool> give_up{false};
  auto refused = [&registry] { return registry.budget().overflow_events() > 0; };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        uint64_t read = 1;
        while (read > 0 && !give_up.load(std::memory_order_relaxed)) {
          read = 0;
          for (auto& reader : readers[t]) read += reader->source->poll(kReadSlice);
          if (refused()) give_up.store(true, std::memory_order_relaxed);
        }
      } catch (const std::exception& e) {
        spdlog::error("--once: reading on thread {} failed: {}", t, e.what());
        give_up.store(true, std::memory_order_relaxed);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  if (give_up.load() || refused()) {
    result.status = ParallelOnce::Status::redo_serially;
    return result;
  }

  // The exporter's own runtimes read nothing; their place in the exposition
  // (first, in config order) goes to the sums of the readers.
  std::vector<std::shared_ptr<const prometheus::Collectable>> collectables =
      exporter.collectables();
  for (size_t s = 0; s < config.sources.size(); ++s) {
    auto summed = std::make_shared<SummedSource>(config.sources[s].name);
    for (auto& thread_readers : readers) {
      for (auto& reader : thread_readers) {
        if (reader->stats.source == config.sources[s].name) summed->add(*reader);
      }
    }
    collectables[s] = std::move(summed);
  }
  result.collectables = std::move(collectables);
  result.status = ParallelOnce::Status::done;
  spdlog::debug("--once: {} files on {} threads", jobs.size(), threads);
  return result;
}

}  // namespace sdx
