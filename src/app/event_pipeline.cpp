#include "app/event_pipeline.h"

#include <fmt/format.h>

#include "app/recent_parse_errors.h"

namespace sdx {

EventPipeline::EventPipeline(std::unique_ptr<LineParser> parser, EventCounters& counters,
                             SourceStats& stats)
    : parser_(std::move(parser)),
      classifier_(counters.model().classifier()),
      counters_(counters),
      stats_(stats) {}

void EventPipeline::on_line(std::string_view line) {
  // A UTF-8 byte order mark (Windows editors write one at the start of a
  // file) is not part of the event.
  if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
  ParseError error = parser_->parse(line, event_);
  if (error != ParseError::none) {
    count_parse_error(error, line);
    return;
  }
  if (event_.bad_fields != 0) count_bad_fields(line);
  switch (event_.kind) {
    case Event::Kind::disconnect: {
      // Records with only a message (records API StopReason) are matched
      // against the whole table; callbacks by their codes first.
      Classification c =
          event_.message_only
              ? classifier_.classify_message(event_.errmsg)
              : classifier_.classify(event_.errcode, event_.sub_errcode, event_.errmsg);
      if (c.resolution == Resolution::unmatched_message) {
        unmatched_.note(stats_.source, event_.errmsg);
      }
      counters_.count_disconnect(counters_.label_set_for(event_), c, event_.push_duration_ms);
      if (!event_.push_duration_ms) bump_stat(stats_.push_duration_absent);
      bump_stat(stats_.resolutions[static_cast<size_t>(c.resolution)]);
      bump_stat(stats_.events[static_cast<size_t>(EventResult::disconnect)]);
      break;
    }
    case Event::Kind::push:
      counters_.count_push(counters_.label_set_for(event_));
      bump_stat(stats_.events[static_cast<size_t>(EventResult::push)]);
      break;
    case Event::Kind::other:
      bump_stat(stats_.events[static_cast<size_t>(EventResult::filtered)]);
      return;
  }
  if (event_.event_time > stats_.last_event_timestamp.load(std::memory_order_relaxed)) {
    stats_.last_event_timestamp.store(event_.event_time, std::memory_order_relaxed);
  }
}

void EventPipeline::on_oversized_line() { count_parse_error(ParseError::line_too_long, {}); }

// The event still counts; the malformed fields were left out of it.
void EventPipeline::count_bad_fields(std::string_view line) {
  for (size_t f = 0; f < kOptionalFieldCount; ++f) {
    if ((event_.bad_fields & optional_field_bit(static_cast<OptionalField>(f))) == 0) continue;
    bump_stat(stats_.bad_optional_fields[f]);
    error_log_.warn(fmt::format("source={} bad_optional_field={} (ignored) line=\"{}\"",
                                stats_.source, optional_field_name(static_cast<OptionalField>(f)),
                                log_excerpt(line)));
  }
}

void EventPipeline::count_parse_error(ParseError error, std::string_view line) {
  bump_stat(stats_.parse_errors[static_cast<size_t>(error)]);
  bump_stat(stats_.events[static_cast<size_t>(EventResult::parse_error)]);
  recent_parse_errors().add(stats_.source, parse_error_name(error), line);  // status page
  error_log_.warn(fmt::format("source={} parse_error={} bytes={} line=\"{}\"", stats_.source,
                              parse_error_name(error), line.size(), log_excerpt(line)));
}

}  // namespace sdx
