#include "metrics/exporter_stats.h"

namespace sdx {
namespace {

constexpr const char* kPrefix = "stream_disconnect_exporter_";

prometheus::Counter& counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(kPrefix + name).Help(help).Register(registry).Add({});
}

prometheus::Gauge& gauge(prometheus::Registry& registry, const std::string& name,
                         const std::string& help) {
  return prometheus::BuildGauge().Name(kPrefix + name).Help(help).Register(registry).Add({});
}

}  // namespace

ExporterStats::ExporterStats() : ExporterStats(Holder{}) {}

ExporterStats::ExporterStats(Holder holder)
    : checkpoint_writes(
          counter(*holder.registry, "checkpoint_writes_total", "Checkpoints written.")),
      checkpoint_failures(counter(*holder.registry, "checkpoint_failures_total",
                                  "Checkpoints that could not be written.")),
      last_checkpoint_timestamp(gauge(*holder.registry, "last_checkpoint_timestamp_seconds",
                                      "Unix time of the last checkpoint written.")),
      checkpoint_corrupt_discarded(counter(*holder.registry, "checkpoint_corrupt_total",
                                           "Corrupt state files moved aside at start.")),
      checkpoint_positions_dropped(
          counter(*holder.registry, "checkpoint_sources_dropped_total",
                  "Saved source states that matched no configured source and were dropped.")),
      config_last_reload_successful(gauge(*holder.registry, "config_last_reload_successful",
                                          "Whether the last configuration load succeeded.")),
      config_last_reload_success_timestamp(
          gauge(*holder.registry, "config_last_reload_success_timestamp_seconds",
                "Unix time of the last successful configuration load.")),
      config_reloads(counter(*holder.registry, "config_reloads_total",
                             "Configuration reloads attempted (SIGHUP or /-/reload).")),
      config_reload_failures(
          counter(*holder.registry, "config_reload_failures_total",
                  "Configuration reloads refused; the old config kept running.")),
      counters_dropped(counter(*holder.registry, "counters_dropped_total",
                               "Saved counter series that could not be carried to the configured "
                               "labels (restore or reload) and were dropped.")),
      source_failures(counter(*holder.registry, "source_failures_total",
                              "Source polls that failed with an error; the source is retried "
                              "with backoff.")),
      start_time(gauge(*holder.registry, "start_time_seconds", "Unix time the exporter started.")),
      registry_(std::move(holder.registry)) {
  config_last_reload_successful.Set(1);
}

}  // namespace sdx
