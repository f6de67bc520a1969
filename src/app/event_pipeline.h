#pragma once
// The one-way path of a line: parse -> classify -> count. One pipeline per
// source, driven by that source's thread.
#include <memory>
#include <string>

#include "app/rate_limited_log.h"
#include "app/unmatched_messages.h"
#include "classify/classifier.h"
#include "metrics/event_counters.h"
#include "metrics/source_stats.h"
#include "parse/line_parser.h"
#include "sources/line_sink.h"

namespace sdx {

class EventPipeline final : public LineSink {
 public:
  // Classifies with the model of `counters`.
  EventPipeline(std::unique_ptr<LineParser> parser, EventCounters& counters, SourceStats& stats);

  void on_line(std::string_view line) override;
  void on_oversized_line() override;

 private:
  void count_parse_error(ParseError error, std::string_view line);
  void count_bad_fields(std::string_view line);

  std::unique_ptr<LineParser> parser_;
  const Classifier& classifier_;
  EventCounters& counters_;
  SourceStats& stats_;
  Event event_;
  RateLimitedLog error_log_;
  UnmatchedMessages unmatched_;
};

}  // namespace sdx
