// render_compare: does rendering the contract counters through prometheus-cpp
// (one ClientMetric per sample, TextSerializer) cost more than the hand-written
// text path (write_event_counters -> TextWriter) that the exporter uses?
//
// Shape: gen_series.py's, the one bench/render_time.py scrapes from the
// daemon: labels [stream], N stream names "stream_%05d", each with one
// disconnect code (gen_series.py's five codes in turn) and one push row. So N
// by_code series, N category series, N push series, plus code_info (one per
// built-in code). The rows are merged (MetricsRegistry::merge_series), as the
// exposition gets them.
//
// Usage:
//   render_compare [--series=N] [--renders=R] [--rss-runs=K] [--results=FILE]
//     Renders both ways R times (interleaved, after warm-up) and checks that both
//     outputs hold the same samples. Prints time per render (median, p99), bytes,
//     peak extra heap per render and, from K fresh child processes per path, the
//     peak RSS growth of one render. --results appends JSON rows for run_all.sh.
//   render_compare --mode=text|prometheus-cpp --series=N
//     One render in this (fresh) process; prints "rss_before_kib hwm_after_kib".
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "classify/model.h"
#include "metrics/counter_row.h"
#include "metrics/exposition.h"
#include "metrics/metrics_registry.h"

// ---------------------------------------------------------------- heap accounting
// Every C++ allocation (ours and prometheus-cpp's: a replaced operator new is
// global) is counted, so "peak extra heap" is exact and independent of how
// glibc reuses or returns memory. Single-threaded program; relaxed is enough.
namespace heap {
std::atomic<size_t> live{0};
std::atomic<size_t> peak{0};
}  // namespace heap

void* operator new(size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  size_t now = heap::live.fetch_add(malloc_usable_size(p), std::memory_order_relaxed) +
               malloc_usable_size(p);
  if (now > heap::peak.load(std::memory_order_relaxed)) {
    heap::peak.store(now, std::memory_order_relaxed);
  }
  return p;
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  heap::live.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  std::free(p);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }

namespace {

using Clock = std::chrono::steady_clock;

// gen_series.py's CODES: (errcode, sub_errcode) of five categories.
struct Code {
  int64_t errcode;
  std::optional<int64_t> sub_errcode;
};
constexpr Code kCodes[] = {
    {1, std::nullopt}, {12, std::nullopt}, {8, std::nullopt}, {18, 202}, {21, 102}};

std::shared_ptr<const sdx::Model> make_model(size_t series) {
  return sdx::Model::build(sdx::ModelSettings{{}, {}, {sdx::Dimension::stream}, series + 1});
}

// What MetricsRegistry::rows() + merge_series() hand the exposition for this shape.
std::vector<sdx::CounterRow> make_rows(const sdx::Model& model, size_t series) {
  std::vector<sdx::CounterRow> rows;
  rows.reserve(2 * series);
  for (size_t i = 0; i < series; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "stream_%05zu", i);
    const Code& code = kCodes[i % std::size(kCodes)];
    sdx::Classification c = model.classifier().classify(code.errcode, code.sub_errcode, "");
    const sdx::CodeEntry& entry = model.table().at(*c.index);
    sdx::CounterRow disconnect;
    disconnect.kind = sdx::CounterRow::Kind::disconnect;
    disconnect.source = "bench";
    disconnect.category = std::string(model.categories().name(c.category));
    disconnect.errcode = std::to_string(entry.errcode);
    disconnect.sub_errcode = std::to_string(entry.sub_errcode);
    disconnect.label_values = {name};
    disconnect.value = 1 + (i * 7919) % 100000;
    sdx::CounterRow push;
    push.kind = sdx::CounterRow::Kind::push;
    push.source = "bench";
    push.label_values = {name};
    push.value = disconnect.value + 3;
    rows.push_back(std::move(disconnect));
    rows.push_back(std::move(push));
  }
  return sdx::MetricsRegistry::merge_series(std::move(rows));
}

// (a) The exporter's path.
std::string render_text(const sdx::Model& model, const std::vector<sdx::CounterRow>& rows) {
  std::string out;
  sdx::write_event_counters(model, rows, out);
  return out;
}

// (b) The prometheus-cpp way: the same four families, the same totals (the
// same aggregation as write_event_counters), one ClientMetric per sample,
// vectors reserved, serialised by TextSerializer into a string.
std::string render_prometheus_cpp(const sdx::Model& model,
                                  const std::vector<sdx::CounterRow>& rows) {
  using prometheus::ClientMetric;
  using prometheus::MetricFamily;
  using prometheus::MetricType;
  const auto& dims = model.labels();
  auto dimension_labels = [&](const std::vector<std::string>& values) {
    std::vector<ClientMetric::Label> labels;
    labels.reserve(dims.size() + 3);
    for (size_t i = 0; i < dims.size() && i < values.size(); ++i) {
      labels.push_back({std::string(sdx::dimension_name(dims[i])), values[i]});
    }
    return labels;
  };

  bool event_dimensions = false;
  for (sdx::Dimension d : dims) event_dimensions |= d != sdx::Dimension::source;
  std::map<std::vector<std::string>, std::map<std::string, uint64_t>> category_totals;
  size_t total_series = 0;
  for (const sdx::CounterRow& row : rows) {
    auto& totals = category_totals[row.label_values];
    if (!event_dimensions && totals.empty()) {
      for (size_t c = 0; c < model.categories().size(); ++c) {
        totals.emplace(model.categories().name(static_cast<sdx::Category>(c)), 0);
      }
    }
    if (row.kind == sdx::CounterRow::Kind::disconnect) totals[row.category] += row.value;
  }
  for (const auto& [values, totals] : category_totals) total_series += totals.size();

  std::vector<MetricFamily> families(4);
  families[0] = {"stream_disconnects_total",
                 "Push interruptions by reason category.",
                 MetricType::Counter,
                 {}};
  families[0].metric.reserve(total_series);
  for (const auto& [values, totals] : category_totals) {
    for (const auto& [category, total] : totals) {
      ClientMetric m;
      m.label = dimension_labels(values);
      m.label.push_back({"category", category});
      m.counter.value = static_cast<double>(total);
      families[0].metric.push_back(std::move(m));
    }
  }

  families[1] = {"stream_disconnects_by_code_total",
                 "Push interruptions by Tencent errcode and sub_errcode.",
                 MetricType::Counter,
                 {}};
  families[3] = {"stream_pushes_total", "Pushes started (event_type 1).", MetricType::Counter, {}};
  families[1].metric.reserve(rows.size());
  families[3].metric.reserve(category_totals.size());
  for (const sdx::CounterRow& row : rows) {
    ClientMetric m;
    m.label = dimension_labels(row.label_values);
    m.counter.value = static_cast<double>(row.value);
    if (row.kind == sdx::CounterRow::Kind::disconnect) {
      m.label.push_back({"errcode", row.errcode});
      m.label.push_back({"sub_errcode", row.sub_errcode});
      m.label.push_back({"category", row.category});
      families[1].metric.push_back(std::move(m));
    } else {
      families[3].metric.push_back(std::move(m));
    }
  }

  families[2] = {"stream_disconnect_code_info",
                 "Known disconnect codes with their category, reason and messages.",
                 MetricType::Gauge,
                 {}};
  for (const sdx::CodeEntry& entry : model.table().entries()) {
    ClientMetric m;
    m.label = {{"errcode", std::to_string(entry.errcode)},
               {"sub_errcode", std::to_string(entry.sub_errcode)},
               {"category", std::string(model.categories().name(entry.category))},
               {"reason", entry.reason},
               {"message_zh", entry.message_zh},
               {"message_en", entry.message_en}};
    m.gauge.value = 1;
    families[2].metric.push_back(std::move(m));
  }

  std::ostringstream stream;
  prometheus::TextSerializer().Serialize(stream, families);
  return stream.str();
}

std::string render(std::string_view mode, const sdx::Model& model,
                   const std::vector<sdx::CounterRow>& rows) {
  return mode == "text" ? render_text(model, rows) : render_prometheus_cpp(model, rows);
}

// Samples as (series, value), sorted: HELP/TYPE lines and order ignored, values
// compared as numbers (prometheus-cpp prints doubles, TextWriter integers).
std::vector<std::pair<std::string, double>> samples(const std::string& text) {
  std::vector<std::pair<std::string, double>> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    out.emplace_back(line.substr(0, space), std::strtod(line.c_str() + space + 1, nullptr));
  }
  std::sort(out.begin(), out.end());
  return out;
}

long status_kib(const char* field) {  // a "VmXXX:" line of /proc/self/status
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string_view(field).size());
  }
  return -1;
}

// Child mode: one render in a fresh process. VmHWM is reset first
// (clear_refs 5), so building the rows does not mask the render's peak.
int rss_child(std::string_view mode, size_t series) {
  auto model = make_model(series);
  auto rows = make_rows(*model, series);
  malloc_trim(0);
  if (!(std::ofstream("/proc/self/clear_refs") << "5")) return 1;  // the parent shows "?"
  long before = status_kib("VmRSS:");
  std::string out = render(mode, *model, rows);
  long hwm = status_kib("VmHWM:");
  std::printf("%ld %ld %zu\n", before, hwm, out.size());
  return 0;
}

// Peak RSS growth of one render, median of `runs` fresh processes (KiB).
long rss_growth_kib(std::string_view mode, size_t series, int runs) {
  char self[4096] = {};
  if (readlink("/proc/self/exe", self, sizeof self - 1) <= 0) return -1;
  std::vector<long> growth;
  for (int i = 0; i < runs; ++i) {
    std::string cmd =
        std::string(self) + " --mode=" + std::string(mode) + " --series=" + std::to_string(series);
    FILE* pipe = popen(cmd.c_str(), "r");
    long before = 0, hwm = 0;
    size_t bytes = 0;
    if (pipe == nullptr || std::fscanf(pipe, "%ld %ld %zu", &before, &hwm, &bytes) != 3) {
      if (pipe) pclose(pipe);
      return -1;
    }
    pclose(pipe);
    growth.push_back(hwm - before);
  }
  std::sort(growth.begin(), growth.end());
  return growth[growth.size() / 2];
}

struct Stats {
  std::vector<double> ms;  // per render
  size_t peak_heap = 0;    // max over renders of (peak live bytes - live bytes before)
  size_t bytes = 0;
  double median() const { return ms[ms.size() / 2]; }
  double p99() const {  // nearest rank: the ceil(0.99 n)-th smallest
    return ms[(ms.size() * 99 + 99) / 100 - 1];
  }
};

void time_one(std::string_view mode, const sdx::Model& model,
              const std::vector<sdx::CounterRow>& rows, Stats& stats) {
  size_t live_before = heap::live.load();
  heap::peak.store(live_before);
  auto start = Clock::now();
  std::string out = render(mode, model, rows);
  auto end = Clock::now();
  // The output is still alive here: it is part of what a scrape holds.
  stats.peak_heap = std::max(stats.peak_heap, heap::peak.load() - live_before);
  stats.bytes = out.size();
  stats.ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
}

std::string mib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return buf;
}

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, format, a, b, c);
  return buf;
}

void result_row(FILE* results, const std::string& metric, const std::string& result) {
  std::printf("| %-62s | %s |\n", metric.c_str(), result.c_str());
  if (results != nullptr) {
    std::fprintf(results,
                 "{\"bench\": \"render_compare\", \"metric\": \"%s\", \"result\": \"%s\", "
                 "\"target\": \"\"}\n",
                 metric.c_str(), result.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "compare";
  size_t series = 10000;
  int renders = 100;
  int rss_runs = 3;
  const char* results_path = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view flag) -> const char* {
      return arg.substr(0, flag.size()) == flag ? argv[i] + flag.size() : nullptr;
    };
    if (const char* v = value("--mode=")) {
      mode = v;
    } else if (const char* v = value("--series=")) {
      series = std::strtoul(v, nullptr, 10);
    } else if (const char* v = value("--renders=")) {
      renders = std::atoi(v);
    } else if (const char* v = value("--rss-runs=")) {
      rss_runs = std::atoi(v);
    } else if (const char* v = value("--results=")) {
      results_path = v;
    } else {
      std::fprintf(stderr, "unknown argument %s (see the comment at the top of %s)\n", argv[i],
                   __FILE__);
      return 2;
    }
  }
  if (mode == "text" || mode == "prometheus-cpp") return rss_child(mode, series);
  if (mode != "compare" || renders < 1) return 2;

  auto model = make_model(series);
  const auto rows = make_rows(*model, series);

  // Fairness check: the same samples, whichever way they were written.
  const std::string text = render_text(*model, rows);
  const std::string prom = render_prometheus_cpp(*model, rows);
  const auto text_samples = samples(text);
  const bool same = text_samples == samples(prom);

  // Warm-up, then interleaved renders so load changes hit both paths alike.
  Stats stats[2];
  const std::string_view modes[2] = {"text", "prometheus-cpp"};
  for (int i = 0; i < 3; ++i) {
    for (auto m : modes) render(m, *model, rows);
  }
  for (int i = 0; i < renders; ++i) {
    for (int m = 0; m < 2; ++m) time_one(modes[m], *model, rows, stats[m]);
  }
  for (auto& s : stats) std::sort(s.ms.begin(), s.ms.end());
  long rss[2] = {rss_growth_kib(modes[0], series, rss_runs),
                 rss_growth_kib(modes[1], series, rss_runs)};

  FILE* results = results_path ? std::fopen(results_path, "a") : nullptr;
  std::printf("| %-62s | %s |\n|%s|%s|\n", "render_compare", "result", std::string(64, '-').c_str(),
              std::string(40, '-').c_str());
  const std::string n = fmt("%.0f", static_cast<double>(series));
  const std::string shape =
      n + " streams x 1 code, " + std::to_string(text_samples.size()) + " samples";
  if (!same) {
    result_row(results, "CHECK FAILED",
               shape + ": text and prometheus-cpp outputs hold different samples");
  }
  for (int m = 0; m < 2; ++m) {
    result_row(results,
               shape + ": " + std::string(modes[m]) +
                   " median / p99 (n=" + std::to_string(renders) + "), bytes",
               fmt("%.2f ms / %.2f ms, ", stats[m].median(), stats[m].p99()) +
                   fmt("%.0f bytes", static_cast<double>(stats[m].bytes)));
    result_row(results,
               shape + ": " + std::string(modes[m]) + " peak extra heap / RSS of one render",
               mib(static_cast<double>(stats[m].peak_heap)) + " / " +
                   (rss[m] < 0 ? std::string("?") : mib(rss[m] * 1024.0)));
  }
  result_row(
      results, shape + ": ratio prometheus-cpp / text: time, heap, RSS",
      fmt("%.1fx, %.1fx, ", stats[1].median() / stats[0].median(),
          static_cast<double>(stats[1].peak_heap) / static_cast<double>(stats[0].peak_heap)) +
          (rss[0] > 0 && rss[1] >= 0
               ? fmt("%.1fx", static_cast<double>(rss[1]) / static_cast<double>(rss[0]))
               : std::string("?")));
  if (results != nullptr) std::fclose(results);
  return same ? 0 : 1;
}
