#pragma once
// format: tencent_callback — Tencent Cloud Live push/interruption callback
// bodies, one JSON object per line.
#include <simdjson.h>

#include "parse/line_parser.h"

namespace sdx {

class TencentCallbackParser final : public LineParser {
 public:
  explicit TencentCallbackParser(DimensionFields fields = DimensionFields::all())
      : fields_(fields) {}
  ParseError parse(std::string_view line, Event& out) override;

 private:
  const DimensionFields fields_;
  simdjson::ondemand::parser parser_;
  simdjson::dom::parser validator_;  // only for lines that are not JSON objects
};

}  // namespace sdx
