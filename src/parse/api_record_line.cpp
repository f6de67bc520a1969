#include "parse/api_record_line.h"

#include <array>
#include <charconv>

namespace sdx {
namespace {

constexpr size_t kFields = 5;

void append_text(std::string& out, std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte == 0x7F ? ' ' : c;
  }
}

}  // namespace

std::string api_record_line(int64_t end_time, std::string_view domain, std::string_view app,
                            std::string_view stream, std::string_view stop_reason) {
  std::string line = std::to_string(end_time);
  for (std::string_view text : {domain, app, stream, stop_reason}) {
    line += '\t';
    append_text(line, text);
  }
  return line;
}

ParseError ApiRecordParser::parse(std::string_view line, Event& out) {
  if (line.empty()) return ParseError::empty_line;
  std::array<std::string_view, kFields> fields;
  size_t count = 0;
  size_t from = 0;
  while (count < kFields - 1) {
    const size_t tab = line.find('\t', from);
    if (tab == std::string_view::npos) return ParseError::missing_field;
    fields[count++] = line.substr(from, tab - from);
    from = tab + 1;
  }
  fields[count] = line.substr(from);  // StopReason: the rest of the line
  int64_t end_time = 0;
  auto [end, error] =
      std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), end_time);
  if (error != std::errc() || end != fields[0].data() + fields[0].size()) {
    return ParseError::wrong_type;
  }
  out = Event{};
  out.kind = Event::Kind::disconnect;
  out.message_only = true;
  out.event_time = end_time;
  out.domain = fields[1];
  out.app = fields[2];
  out.stream = fields[3];
  out.errmsg = fields[4];
  return ParseError::none;
}

}  // namespace sdx
