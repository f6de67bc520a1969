#include "app/config_reloader.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

#include "config/config_loader.h"

namespace sdx {
namespace {
constexpr std::chrono::seconds kApplyTimeout{30};
}  // namespace

ReloadOutcome ConfigReloader::refuse(std::string message) {
  exporter_.stats().config_reload_failures.Increment();
  exporter_.stats().config_last_reload_successful.Set(0);
  return {false, std::move(message)};
}

ReloadOutcome ConfigReloader::reload(const char* trigger) {
  std::lock_guard lock(mutex_);
  exporter_.stats().config_reloads.Increment();
  spdlog::info("reloading {} ({})", config_path_, trigger);
  Config next;
  try {
    next = load_config_file(config_path_);
  } catch (const ConfigErrors& e) {
    for (const auto& error : e.errors()) {
      spdlog::error("reload refused, keeping the running config: {}", error.what());
    }
    return refuse(e.what());
  } catch (const ConfigReadError& e) {
    spdlog::error("reload refused, keeping the running config: {}", e.what());
    return refuse(e.what());
  }
  ReloadSummary summary;
  std::string failure;
  const bool applied = loop_.run_task(
      [&] {
        // Not expected (allocation only), but a throw here must not end the
        // ingest thread: log it and report the reload as failed.
        try {
          summary = exporter_.apply(std::move(next));
          exporter_.write_checkpoint();
        } catch (const std::exception& e) {
          failure = e.what();
        }
      },
      kApplyTimeout);
  if (applied && !failure.empty()) {
    spdlog::error("reload: applying the new config failed: {}", failure);
    return refuse("applying the new config failed: " + failure);
  }
  if (!applied) {
    spdlog::error("reload: the ingest loop did not apply the config within {}s",
                  kApplyTimeout.count());
    return refuse("the ingest loop did not apply the config in time");
  }
  exporter_.stats().config_last_reload_successful.Set(1);
  exporter_.stats().config_last_reload_success_timestamp.Set(
      static_cast<double>(std::time(nullptr)));
  std::string message = "sources kept=" + std::to_string(summary.kept) +
                        " changed=" + std::to_string(summary.changed) +
                        " renamed=" + std::to_string(summary.renamed) +
                        " added=" + std::to_string(summary.added) +
                        " removed=" + std::to_string(summary.removed) +
                        " counters_dropped=" + std::to_string(summary.counters_dropped);
  spdlog::info("reloaded {}: {}", config_path_, message);
  return {true, message};
}

}  // namespace sdx
