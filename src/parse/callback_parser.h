#pragma once
// format: tencent_callback — Tencent Cloud Live push/interruption callback
// bodies, one JSON object per line.
#include <simdjson.h>

#include "parse/line_parser.h"

namespace sdx {

class TencentCallbackParser final : public LineParser {
 public:
  ParseError parse(std::string_view line, Event& out) override;

 private:
  simdjson::ondemand::parser parser_;
  simdjson::dom::parser validator_;  // only for lines that are not JSON objects
};

}  // namespace sdx
