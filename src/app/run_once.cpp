#include <cstdio>

#include <spdlog/spdlog.h>

#include "app/exporter.h"
#include "app/ingest_loop.h"
#include "app/parallel_once.h"
#include "app/run_modes.h"
#include "metrics/exposition.h"

namespace sdx {
namespace {

int print(const Exporter& exporter,
          const std::vector<std::shared_ptr<const prometheus::Collectable>>& collectables) {
  auto [model, rows] = exporter.registry().snapshot();
  return write_exposition(stdout, *model, std::move(rows), collectables) ? 0 : 1;
}

}  // namespace

int run_once(const Config& config) {
  // No checkpoint: --once neither reads nor writes the state file.
  if (const unsigned cores = usable_cores(); cores > 1) {
    Exporter exporter(config, /*read_from_start=*/true);
    ParallelOnce parallel = read_in_parallel(exporter, cores);
    if (parallel.status == ParallelOnce::Status::done)
      return print(exporter, parallel.collectables);
    if (parallel.status == ParallelOnce::Status::redo_serially) {
      spdlog::info(
          "--once: reading again on one thread (max_label_sets was reached, so which label sets "
          "count depends on the order of the lines, or a read failed)");
    }
  }
  Exporter exporter(config, /*read_from_start=*/true);
  IngestLoop loop([&exporter] { return exporter.sources(); }, config.poll_interval,
                  config.checkpoint_interval, [] { return IngestLoop::WriteFn{}; });
  loop.drain();
  return print(exporter, exporter.collectables());
}

}  // namespace sdx
