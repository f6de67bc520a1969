#pragma once
// Renders the Prometheus text exposition: the contract counters (written
// straight as text, see text_writer.h and bench/render_compare) followed by
// the self metrics of every Collectable, merged by family name and
// serialised by prometheus-cpp. The exposition knows none of the parts.
#include <memory>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "classify/model.h"
#include "metrics/counter_row.h"

namespace sdx {

// `rows`: the event counters to show, per source (merged here).
std::string render_exposition(
    const Model& model, std::vector<CounterRow> rows,
    const std::vector<std::shared_ptr<const prometheus::Collectable>>& collectables);

// The contract counters alone (benchmarks, tests).
void write_event_counters(const Model& model, const std::vector<CounterRow>& merged_rows,
                          std::string& out);

}  // namespace sdx
