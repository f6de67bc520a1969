#pragma once
// Renders the registry in the Prometheus text exposition format.
#include <string>
#include <vector>

#include "metrics/metrics_registry.h"

namespace sdx {

// `rows`: the event counters to show (e.g. the last checkpointed values);
// the registry's live values when null.
std::string render_exposition(const MetricsRegistry& registry,
                              const std::vector<CounterRow>* rows = nullptr);

}  // namespace sdx
