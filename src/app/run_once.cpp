#include <cstdio>

#include "app/exporter.h"
#include "app/ingest_loop.h"
#include "app/run_modes.h"
#include "metrics/exposition.h"

namespace sdx {

int run_once(const Config& config) {
  Exporter exporter(config, /*read_from_start=*/true);
  // No checkpoint: --once neither reads nor writes the state file.
  IngestLoop loop([&exporter] { return exporter.sources(); }, config.poll_interval,
                  config.checkpoint_interval, [] {});
  loop.drain();
  auto [model, rows] = exporter.registry().snapshot();
  std::string text = render_exposition(*model, std::move(rows), exporter.collectables());
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace sdx
