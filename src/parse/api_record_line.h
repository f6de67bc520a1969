#pragma once
// format: tencent_api_record — one records-API record per line, as the
// tencent_api source writes it: StreamEndTime (unix seconds), DomainName,
// AppName, StreamName and StopReason, tab-separated. The record has no code,
// only its StopReason text, so the event is message-only.
#include <cstdint>
#include <string>
#include <string_view>

#include "parse/line_parser.h"

namespace sdx {

// The line for one record (without newline). Tabs and other control
// characters inside the texts become spaces: they carry no meaning there.
std::string api_record_line(int64_t end_time, std::string_view domain, std::string_view app,
                            std::string_view stream, std::string_view stop_reason);

class ApiRecordParser final : public LineParser {
 public:
  ParseError parse(std::string_view line, Event& out) override;
};

}  // namespace sdx
