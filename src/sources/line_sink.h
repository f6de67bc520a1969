#pragma once
#include <string_view>

namespace sdx {

// Receives complete lines from a source, in order.
class LineSink {
 public:
  virtual ~LineSink() = default;
  // `line` excludes the newline (and a trailing '\r'); at least kLinePadding
  // (parse/line_parser.h) readable bytes follow its end.
  virtual void on_line(std::string_view line) = 0;
  // A line longer than the limit was skipped whole.
  virtual void on_oversized_line() = 0;
};

}  // namespace sdx
