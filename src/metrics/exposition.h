#pragma once
// Renders the registry in the Prometheus text exposition format.
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "metrics/metrics_registry.h"

namespace sdx {

std::vector<prometheus::MetricFamily> collect_metric_families(const MetricsRegistry& registry);
std::string render_exposition(const MetricsRegistry& registry);

}  // namespace sdx
