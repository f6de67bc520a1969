#pragma once
// What every source type implements (type: file now; webhook and
// tencent_api next). A source reads events from somewhere and hands them,
// in order, to the sink it is attached to (the event pipeline: parse,
// classify, count). The runtime that owns it (app/source_runtime.h) saves
// the source's state() together with the counters that sink wrote, from the
// thread that writes them, so a checkpoint always describes one set of
// events. Self metrics come from collect(), merged into the exposition with
// every other source's.
#include <cstdint>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "sources/file_position.h"
#include "sources/line_sink.h"

namespace sdx {

// What a checkpoint keeps of one source.
struct SourceState {
  // What the source reads (a file source: its paths): a source renamed in
  // the config finds its state by it, so its files are not read again.
  std::string identity;
  std::vector<FilePosition> positions;  // type: file
  std::string cursor;                   // other types: their own text (poll point, ...)
};

class Source {
 public:
  virtual ~Source() = default;

  virtual const std::string& name() const = 0;
  // The sink events go to; replaced (between two polls, on the thread that
  // polls) when a reload swaps the model.
  virtual void attach(LineSink& sink) = 0;

  // Sources with threads of their own start and stop them here. Sources
  // driven by the ingest loop need neither.
  virtual void start() {}
  virtual void stop() {}
  // Ingest loop: reads what is new, at most about max_bytes; returns the
  // amount of work done (0 = nothing new).
  virtual uint64_t poll(uint64_t max_bytes) = 0;
  // Directories the ingest loop should watch with inotify for this source.
  virtual std::vector<std::string> watch_directories() const { return {}; }

  // State consistent with every event handed to the sink so far.
  virtual SourceState state() const = 0;
  // Call before the first poll().
  virtual void restore(const SourceState& state) = 0;

  // Self metrics (families named stream_disconnect_exporter_*, each sample
  // labelled source="name()"); families of several sources are merged.
  virtual void collect(std::vector<prometheus::MetricFamily>& out) const = 0;
};

}  // namespace sdx
