#pragma once
// The live status page at "/": server-rendered HTML with inline CSS, no
// external assets and no script (it refreshes itself with a meta refresh).
// Per-source figures come from the sources' own self-metric families, so a
// new source type shows up here without edits.
#include <prometheus/metric_family.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app/recent_parse_errors.h"

namespace sdx {

struct StatusSource {
  std::string name, type;
  std::string reads;  // what it reads: its files, its listener...
};

struct StatusPageData {
  std::string telemetry_path = "/metrics";
  std::string config_path;
  std::chrono::system_clock::time_point started, now;
  std::vector<StatusSource> sources;
  // Every self-metric family (stream_disconnect_exporter_*).
  std::vector<prometheus::MetricFamily> self_metrics;
  // stream_disconnects_total summed by category, as /metrics shows it.
  std::map<std::string, uint64_t> disconnects_by_category;
  std::vector<RecentParseError> parse_errors;  // newest first
};

std::string status_page_html(const StatusPageData& data);

// &, <, >, " and ' as character references.
std::string html_escape(std::string_view text);
// "3d 4h", "2h 5m", "42s".
std::string format_age(std::chrono::seconds age);

}  // namespace sdx
