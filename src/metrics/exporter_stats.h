#pragma once
// Exporter-wide self metrics that belong to no single source.
#include <atomic>
#include <cstdint>

namespace sdx {

struct ExporterStats {
  std::atomic<uint64_t> checkpoint_writes{0};
  std::atomic<uint64_t> checkpoint_failures{0};
  std::atomic<int64_t> last_checkpoint_timestamp{0};
  std::atomic<uint64_t> checkpoint_corrupt_discarded{0};
  std::atomic<int> config_last_reload_successful{1};
  std::atomic<int64_t> config_last_reload_success_timestamp{0};
  std::atomic<int64_t> start_time{0};
};

}  // namespace sdx
