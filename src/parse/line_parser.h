#pragma once
// A format: turns one line (without its newline) into an Event.
#include <cstddef>
#include <memory>
#include <string_view>

#include "parse/event.h"
#include "parse/parse_error.h"

namespace sdx {

// Readable bytes a caller must guarantee past the end of every line
// (simdjson reads ahead; equal to SIMDJSON_PADDING).
inline constexpr size_t kLinePadding = 64;

// Which dimension values a parser must extract: only the configured labels
// need them, and skipping the others saves decoding their strings.
struct DimensionFields {
  bool domain = false;
  bool app = false;
  bool appid = false;
  bool stream = false;
  static DimensionFields all() { return {true, true, true, true}; }
};

class LineParser {
 public:
  virtual ~LineParser() = default;
  // `line` excludes the newline; at least kLinePadding readable bytes follow
  // line.data() + line.size(). On error `out` is unspecified.
  virtual ParseError parse(std::string_view line, Event& out) = 0;
};

}  // namespace sdx
