// counter_writers: the webhook source will count events from several HTTP
// worker threads. Which way should they write the counters?
//   (a) one writer thread, one shard: today's file source (baseline)
//   (b) T writer threads, each with its own shard of one MetricsRegistry
//   (c) T threads sharing one array of std::atomic<uint64_t>, fetch_add
//   (d) T producer threads -> a bounded mutex+condvar queue -> one writer
//       thread counting into one shard
// (a), (b) and (d) use the real sdx::EventCounters: classify once up front,
// then count_disconnect(label_set_for(event), classification) per event.
//
// Two label configs: none (the default: one label set, every event bumps one
// of ~80 per-code counters) and labels [stream] with 1,000 stream names.
// Code mix: gen_events.py's (mostly 1, 2, 12, 3, 13, 8, a thin tail of every
// other code), so in (c) all threads hit the same few counters: the contended
// case. In (c) with labels the stream is looked up in a prebuilt read-only
// map: a lower bound, a real shared design would need a concurrent one.
//
// Usage: counter_writers [--events=N] [--rounds=R] [--results=FILE]
//   N events per run (split over the threads; (d) runs N/4), R rounds; cases
//   are interleaved round by round and the median of R is reported.
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "classify/model.h"
#include "metrics/event_counters.h"
#include "metrics/metrics_registry.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kPattern = 1 << 16;  // distinct pre-generated events, cycled
constexpr size_t kStreams = 1000;
constexpr size_t kQueueCapacity = 4096;

struct Item {
  sdx::Event event;  // kind, codes and stream (a view into Workload::streams)
  sdx::Classification classification;
};

struct Workload {
  std::shared_ptr<const sdx::Model> model;
  std::vector<std::string> streams;
  std::vector<Item> events;  // kPattern of them
  bool labels = false;
};

// gen_events.py's weights; every other code of the table weighs kTail.
Workload make_workload(bool labels) {
  Workload w;
  w.labels = labels;
  std::vector<sdx::Dimension> dims;
  if (labels) dims.push_back(sdx::Dimension::stream);
  w.model = sdx::Model::build(sdx::ModelSettings{{}, {}, dims, 2 * kStreams});
  for (size_t i = 0; i < kStreams; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "stream_%05zu", i);
    w.streams.emplace_back(name);
  }
  const std::map<std::pair<int64_t, int64_t>, double> common = {
      {{1, 0}, 30}, {{2, 0}, 25},   {{12, 0}, 8},   {{3, 0}, 5},   {{13, 0}, 4},
      {{8, 0}, 4},  {{18, 202}, 2}, {{18, 503}, 2}, {{21, 102}, 2}};
  constexpr double kTail = 0.3;
  std::vector<double> weights;
  std::vector<sdx::Classification> codes;
  for (const sdx::CodeEntry& entry : w.model->table().entries()) {
    auto it = common.find({entry.errcode, entry.sub_errcode});
    weights.push_back(it == common.end() ? kTail : it->second);
    std::optional<int64_t> sub;
    if (entry.sub_errcode != 0) sub = entry.sub_errcode;
    codes.push_back(w.model->classifier().classify(entry.errcode, sub, ""));
  }
  std::mt19937_64 rng(1);
  std::discrete_distribution<size_t> pick_code(weights.begin(), weights.end());
  std::uniform_int_distribution<uint32_t> pick_stream(0, kStreams - 1);
  for (size_t i = 0; i < kPattern; ++i) {
    Item item;
    item.classification = codes[pick_code(rng)];
    item.event.kind = sdx::Event::Kind::disconnect;
    item.event.errcode = item.classification.errcode;
    item.event.stream = w.streams[pick_stream(rng)];
    w.events.push_back(item);
  }
  return w;
}

double cpu_seconds() {  // every thread of the process
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Measurement {
  double wall = 0;  // seconds
  double cpu = 0;   // seconds, all threads
  uint64_t events = 0;
  bool counted_all = true;
  size_t counter_bytes = 0;  // heap held by the design's counters (and queue)
};

size_t heap_used() { return mallinfo2().uordblks; }  // every arena

// Runs `threads` threads: each does setup(t) (untimed: shards, warm-up), then
// work(t). The clock starts once every thread is set up, before they are let
// go (so no thread runs before the start), and stops when every one has ended.
Measurement run(int threads, auto setup, auto work) {
  std::latch ready(threads);
  std::latch go(1);
  Measurement m;
  std::vector<std::jthread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      setup(t);
      ready.count_down();
      go.wait();
      work(t);
    });
  }
  ready.wait();
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  go.count_down();
  pool.clear();  // joins
  m.cpu = cpu_seconds() - cpu_start;
  m.wall = std::chrono::duration<double>(Clock::now() - start).count();
  return m;
}

// Each thread starts at its own place in the pattern, like independent requests.
size_t offset(int t) { return static_cast<size_t>(t) * 7919; }

void count(sdx::EventCounters& shard, const Workload& w, size_t start, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    const Item& item = w.events[(start + i) & (kPattern - 1)];
    shard.count_disconnect(shard.label_set_for(item.event), item.classification);
  }
}

uint64_t disconnects(const sdx::MetricsRegistry& registry) {
  uint64_t sum = 0;
  for (const auto& row : registry.rows()) {
    if (row.kind == sdx::CounterRow::Kind::disconnect) sum += row.value;
  }
  return sum;
}

// (a) and (b): a shard per writer thread. The untimed warm-up pass creates the
// label sets, so the timed part is steady state.
Measurement shard_per_writer(const Workload& w, int threads, uint64_t events) {
  const size_t heap_before = heap_used();
  sdx::MetricsRegistry registry(w.model);
  std::vector<std::shared_ptr<sdx::EventCounters>> shards(threads);
  const uint64_t per_thread = events / threads;
  Measurement m = run(
      threads,
      [&](int t) {
        shards[t] = registry.add_counters("bench");
        count(*shards[t], w, 0, kPattern);
      },
      [&](int t) { count(*shards[t], w, offset(t), per_thread); });
  m.counter_bytes = heap_used() - heap_before;
  m.events = per_thread * threads;
  m.counted_all = disconnects(registry) == m.events + kPattern * threads;
  return m;
}

// (c): one shared array, one slot per (label set, code), locked fetch_add.
// With labels the label set is found in a prebuilt read-only hash map: the
// cheapest thread-safe lookup there is (a real one must also add new names).
Measurement shared_atomics(const Workload& w, int threads, uint64_t events) {
  const size_t heap_before = heap_used();
  const size_t codes = w.model->table().size();
  std::unordered_map<std::string_view, uint32_t> set_of;
  if (w.labels) {
    for (uint32_t i = 0; i < kStreams; ++i) set_of.emplace(w.streams[i], i);
  }
  std::vector<std::atomic<uint64_t>> counters((w.labels ? kStreams : 1) * codes);
  const uint64_t per_thread = events / threads;
  Measurement m = run(
      threads, [](int) {},
      [&](int t) {
        for (uint64_t i = 0; i < per_thread; ++i) {
          const Item& item = w.events[(offset(t) + i) & (kPattern - 1)];
          const size_t set = w.labels ? set_of.find(item.event.stream)->second : 0;
          counters[set * codes + *item.classification.index].fetch_add(1,
                                                                       std::memory_order_relaxed);
        }
      });
  m.counter_bytes = heap_used() - heap_before;
  m.events = per_thread * threads;
  uint64_t sum = 0;
  for (const auto& c : counters) sum += c.load();
  m.counted_all = sum == m.events;
  return m;
}

// (d): what an HTTP worker would hand a single counting thread: the
// classification and an owned copy of the label value (the request body is
// gone once the response is sent). Bounded, so a stalled writer pushes back.
struct Queued {
  sdx::Classification classification;
  std::string stream;
};

class EventQueue {
 public:
  void push(Queued item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return pending_.size() < kQueueCapacity; });
    pending_.push_back(std::move(item));
    const bool was_empty = pending_.size() == 1;
    lock.unlock();
    if (was_empty) not_empty_.notify_one();  // the writer sleeps only on an empty queue
  }
  // Takes everything queued (one lock per batch, not per event); false once
  // closed and drained.
  bool pop_all(std::vector<Queued>& batch) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !pending_.empty() || closed_; });
    if (pending_.empty()) return false;
    const bool was_full = pending_.size() >= kQueueCapacity;
    batch.swap(pending_);
    lock.unlock();
    if (was_full) not_full_.notify_all();
    return true;
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    not_empty_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::vector<Queued> pending_;
  bool closed_ = false;
};

Measurement queue_to_one_writer(const Workload& w, int producers, uint64_t events) {
  const size_t heap_before = heap_used();
  sdx::MetricsRegistry registry(w.model);
  std::shared_ptr<sdx::EventCounters> shard;
  EventQueue queue;
  std::atomic<int> running{producers};
  const uint64_t per_thread = events / producers;
  Measurement m = run(
      producers + 1,
      [&](int t) {
        if (t == producers) {
          shard = registry.add_counters("bench");
          count(*shard, w, 0, kPattern);
        }
      },
      [&](int t) {
        if (t == producers) {  // the writer
          std::vector<Queued> batch;
          while (queue.pop_all(batch)) {
            for (const Queued& q : batch) {
              sdx::Event event;
              event.kind = sdx::Event::Kind::disconnect;
              event.stream = q.stream;
              shard->count_disconnect(shard->label_set_for(event), q.classification);
            }
            batch.clear();
          }
          return;
        }
        for (uint64_t i = 0; i < per_thread; ++i) {
          const Item& item = w.events[(offset(t) + i) & (kPattern - 1)];
          queue.push(Queued{item.classification, std::string(item.event.stream)});
        }
        if (running.fetch_sub(1) == 1) queue.close();
      });
  m.counter_bytes = heap_used() - heap_before;
  m.events = per_thread * producers;
  m.counted_all = disconnects(registry) == m.events + kPattern;
  return m;
}

struct Case {
  bool labels;
  char design;  // 'a'..'d'
  int threads;
  std::vector<Measurement> runs;
};

const char* design_name(char design) {
  switch (design) {
    case 'a':
      return "(a) one writer, one shard";
    case 'b':
      return "(b) shard per writer";
    case 'c':
      return "(c) shared atomics, fetch_add";
    default:
      return "(d) queue -> one writer";
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t events = 16'000'000;
  int rounds = 5;
  const char* results_path = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--events=")) {
      events = std::strtoull(argv[i] + 9, nullptr, 10);
    } else if (arg.starts_with("--rounds=")) {
      rounds = std::atoi(argv[i] + 9);
    } else if (arg.starts_with("--results=")) {
      results_path = argv[i] + 10;
    } else {
      std::fprintf(stderr, "unknown argument %s (see the comment at the top of %s)\n", argv[i],
                   __FILE__);
      return 2;
    }
  }
  if (rounds < 1 || events < 64) return 2;

  const Workload workloads[2] = {make_workload(false), make_workload(true)};
  std::vector<Case> cases;
  for (bool labels : {false, true}) {
    cases.push_back({labels, 'a', 1, {}});
    for (char design : {'b', 'c', 'd'}) {
      for (int threads : {1, 2, 4}) {
        if (design == 'b' && threads == 1) continue;  // that is (a)
        cases.push_back({labels, design, threads, {}});
      }
    }
  }
  // Round by round, so a burst of load from other work hits every case alike.
  for (int round = 0; round < rounds; ++round) {
    for (Case& c : cases) {
      const Workload& w = workloads[c.labels ? 1 : 0];
      switch (c.design) {
        case 'a':
        case 'b':
          c.runs.push_back(shard_per_writer(w, c.threads, events));
          break;
        case 'c':
          c.runs.push_back(shared_atomics(w, c.threads, events));
          break;
        default:
          c.runs.push_back(queue_to_one_writer(w, c.threads, events / 4));
      }
    }
    std::fprintf(stderr, "round %d/%d done\n", round + 1, rounds);
  }

  FILE* results = results_path ? std::fopen(results_path, "a") : nullptr;
  // Wall time mostly shows how much of the 2 shared cores the run got; CPU
  // time per event is the cost. Both are medians of the rounds.
  std::printf(
      "| labels | design | T | events/s | wall ns/event | CPU ns/event | CPU/event vs (a) | "
      "counter heap |\n|---|---|---|---|---|---|---|---|\n");
  bool ok = true;
  double baseline_cpu = 0;
  for (Case& c : cases) {
    std::vector<double> wall, cpu;
    for (const Measurement& m : c.runs) {
      wall.push_back(m.wall / static_cast<double>(m.events) * 1e9);
      cpu.push_back(m.cpu / static_cast<double>(m.events) * 1e9);
      ok &= m.counted_all;
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    const double wall_ns = wall[wall.size() / 2];
    const double cpu_ns = cpu[cpu.size() / 2];
    const double kib = static_cast<double>(c.runs[0].counter_bytes) / 1024.0;
    if (c.design == 'a') baseline_cpu = cpu_ns;
    const char* labels = c.labels ? "[stream], 1,000 names" : "none";
    std::printf("| %s | %s | %d | %.1f M | %.1f | %.1f | %.2fx | %.0f KiB |\n", labels,
                design_name(c.design), c.threads, 1e3 / wall_ns, wall_ns, cpu_ns,
                cpu_ns / baseline_cpu, kib);
    if (results != nullptr) {
      std::fprintf(results,
                   "{\"bench\": \"counter_writers\", \"metric\": \"labels %s: %s, T=%d (median "
                   "of %d)\", \"result\": \"%.1f M ev/s, %.1f ns/event wall, %.1f ns/event CPU "
                   "(%.2fx (a)), counter heap %.0f KiB\", \"target\": \"\"}\n",
                   labels, design_name(c.design), c.threads, rounds, 1e3 / wall_ns, wall_ns, cpu_ns,
                   cpu_ns / baseline_cpu, kib);
    }
  }
  if (!ok) {
    std::printf("CHECK FAILED: some run did not count every event\n");
    if (results != nullptr) {
      std::fprintf(results,
                   "{\"bench\": \"counter_writers\", \"metric\": \"CHECK FAILED\", \"result\": "
                   "\"some run did not count every event\", \"target\": \"\"}\n");
    }
  }
  if (results != nullptr) std::fclose(results);
  return ok ? 0 : 1;
}
