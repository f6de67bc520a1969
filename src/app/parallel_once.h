#pragma once
// --once over several files on several threads (a month of daily logs uses
// every core). Files are spread over the threads by size; each thread has
// its own parser, pipeline and counter shard per source (the registry keeps
// a shard per writer) and its own self-metric counters, summed per source at
// the end, so the output is the one a single thread gives.
#include <memory>
#include <vector>

#include <prometheus/collectable.h>

#include "app/exporter.h"

namespace sdx {

struct ParallelOnce {
  enum class Status {
    done,           // every file read; render with `collectables`
    not_split,      // one file, one thread or a source that is not type: file
    redo_serially,  // a label set was refused, or a read failed: the output
                    // could differ from one thread's; read again on one
  };
  Status status = Status::not_split;
  std::vector<std::shared_ptr<const prometheus::Collectable>> collectables;
};

// Reads every file of `exporter`'s sources from its start on up to `threads`
// threads, counting into `exporter`'s registry. On redo_serially the
// registry holds partial counts: use a new Exporter.
ParallelOnce read_in_parallel(Exporter& exporter, unsigned threads);

// Cores this process may run on (sched_getaffinity: `taskset -c 1` is one).
unsigned usable_cores();

}  // namespace sdx
