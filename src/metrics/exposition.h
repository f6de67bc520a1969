#pragma once
// Renders the Prometheus text exposition: the contract counters (written
// straight as text, see text_writer.h and bench/render_compare) followed by
// the self metrics of every Collectable, merged by family name and
// serialised by prometheus-cpp. The exposition knows none of the parts.
#include <cstdio>
#include <functional>
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

// The same written to `file` as it is rendered (--once: the text of a large
// exposition is never whole in memory). False on a write error.
bool write_exposition(
    std::FILE* file, const Model& model, std::vector<CounterRow> rows,
    const std::vector<std::shared_ptr<const prometheus::Collectable>>& collectables);

// The contract counters alone (benchmarks, tests). `flush`, if set, is given
// `out` to empty whenever it grows large.
void write_event_counters(const Model& model, const std::vector<CounterRow>& merged_rows,
                          std::string& out,
                          const std::function<void(std::string&)>& flush = nullptr);

}  // namespace sdx
