#include "parse/json_field_parser.h"

#include <charconv>

#include "parse/number_text.h"

namespace sdx {
namespace {

namespace dom = simdjson::dom;
static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING,
              "line padding must cover simdjson's read-ahead");

enum class FieldStatus { ok, absent, wrong_type };

ParseError to_error(FieldStatus status) {
  return status == FieldStatus::wrong_type ? ParseError::wrong_type : ParseError::none;
}

// Codes arrive as JSON integers or as strings of digits ("18"), as in
// Tencent's callbacks; null counts as absent.
FieldStatus read_integer(dom::element value, int64_t& out) {
  switch (value.type()) {
    case dom::element_type::INT64:
      return value.get_int64().get(out) == simdjson::SUCCESS ? FieldStatus::ok
                                                             : FieldStatus::wrong_type;
    case dom::element_type::STRING: {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return FieldStatus::wrong_type;
      const std::optional<int64_t> number = parse_integer_text(text);
      if (!number) return FieldStatus::wrong_type;
      out = *number;
      return FieldStatus::ok;
    }
    case dom::element_type::NULL_VALUE:
      return FieldStatus::absent;
    default:  // fractions, integers past int64, bools, objects, arrays
      return FieldStatus::wrong_type;
  }
}

// Unix time as a JSON number (integer or fraction) or numeric string, in
// seconds or (by its size) ms/µs/ns.
FieldStatus read_time(dom::element value, int64_t& out) {
  std::optional<int64_t> seconds;
  switch (value.type()) {
    case dom::element_type::INT64: {
      int64_t count = 0;
      if (value.get_int64().get(count) == simdjson::SUCCESS) seconds = unix_seconds(count);
      break;
    }
    case dom::element_type::DOUBLE: {
      double count = 0;
      if (value.get_double().get(count) == simdjson::SUCCESS) seconds = unix_seconds(count);
      break;
    }
    case dom::element_type::STRING: {
      std::string_view text;
      if (value.get_string().get(text) == simdjson::SUCCESS) seconds = unix_seconds_from_text(text);
      break;
    }
    case dom::element_type::NULL_VALUE:
      return FieldStatus::absent;
    default:
      break;
  }
  if (!seconds) return FieldStatus::wrong_type;
  out = *seconds;
  return FieldStatus::ok;
}

template <typename Number>
std::string_view write_number(dom::element value, std::array<char, 32>& buffer) {
  Number number{};
  if (value.get<Number>().get(number) != simdjson::SUCCESS) return {};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  if (ec != std::errc()) return {};
  return {buffer.data(), static_cast<size_t>(end - buffer.data())};
}

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

JsonFieldParser::JsonFieldParser(std::shared_ptr<const JsonFieldMap> map, DimensionFields fields)
    : map_(std::move(map)), fields_(fields) {}

// Strings as they are; numbers (appid is one in Tencent's bodies, stream ids
// often are) as their text; null or absent as empty.
ParseError JsonFieldParser::read_text(dom::element root, const std::optional<JsonPointer>& pointer,
                                      Slot slot, std::string_view& out) {
  if (!pointer) return ParseError::none;
  const std::optional<dom::element> found = pointer->find(root);
  if (!found) return ParseError::none;
  switch (found->type()) {
    case dom::element_type::STRING:
      return found->get_string().get(out) == simdjson::SUCCESS ? ParseError::none
                                                               : ParseError::wrong_type;
    case dom::element_type::INT64:
      out = write_number<int64_t>(*found, numbers_[slot]);
      return ParseError::none;
    case dom::element_type::UINT64:
      out = write_number<uint64_t>(*found, numbers_[slot]);
      return ParseError::none;
    case dom::element_type::DOUBLE:
      out = write_number<double>(*found, numbers_[slot]);
      return ParseError::none;
    case dom::element_type::NULL_VALUE:
      return ParseError::none;
    default:
      return ParseError::wrong_type;  // bools, objects, arrays
  }
}

// The dimensions and the time, which pushes carry too (stream_pushes_total has
// the same labels). Only the dimensions the configured labels use are looked up.
ParseError JsonFieldParser::read_shared_fields(dom::element root, Event& out) {
  const JsonFieldMap& map = *map_;
  ParseError error = ParseError::none;
  if (fields_.domain) error = read_text(root, map.domain, kDomain, out.domain);
  if (error == ParseError::none && fields_.app) error = read_text(root, map.app, kApp, out.app);
  if (error == ParseError::none && fields_.appid) {
    error = read_text(root, map.appid, kAppid, out.appid);
  }
  if (error == ParseError::none && fields_.stream) {
    error = read_text(root, map.stream, kStream, out.stream);
  }
  if (error == ParseError::none && map.time) {
    if (const std::optional<dom::element> found = map.time->find(root)) {
      error = to_error(read_time(*found, out.event_time));
    }
  }
  return error;
}

ParseError JsonFieldParser::parse(std::string_view line, Event& out) {
  if (is_blank(line)) return ParseError::empty_line;
  dom::element root;
  // The caller guarantees the padding, so simdjson reads the line in place
  // (realloc_if_needed = false). Its stage 1 validates UTF-8.
  switch (parser_.parse(line.data(), line.size(), false).get(root)) {
    case simdjson::SUCCESS:
      break;
    case simdjson::UTF8_ERROR:
      return ParseError::invalid_utf8;
    default:
      return ParseError::invalid_json;
  }

  out = Event{};
  const JsonFieldMap& map = *map_;
  if (map.push && map.push->matches(root)) {
    out.kind = Event::Kind::push;
    return read_shared_fields(root, out);
  }
  if (map.filter && !map.filter->matches(root)) {
    out.kind = Event::Kind::other;
    return ParseError::none;
  }

  const std::optional<dom::element> errcode = map.errcode.find(root);
  if (!errcode) return ParseError::missing_field;
  switch (read_integer(*errcode, out.errcode)) {
    case FieldStatus::ok:
      break;
    case FieldStatus::absent:
      return ParseError::missing_field;
    case FieldStatus::wrong_type:
      return ParseError::wrong_type;
  }
  if (map.sub_errcode) {
    if (const std::optional<dom::element> found = map.sub_errcode->find(root)) {
      int64_t sub = 0;
      const FieldStatus status = read_integer(*found, sub);
      if (status == FieldStatus::wrong_type) return ParseError::wrong_type;
      if (status == FieldStatus::ok) out.sub_errcode = sub;
    }
  }
  if (const ParseError error = read_text(root, map.errmsg, kErrmsg, out.errmsg);
      error != ParseError::none) {
    return error;
  }
  if (const ParseError error = read_shared_fields(root, out); error != ParseError::none)
    return error;
  out.kind = Event::Kind::disconnect;
  return ParseError::none;
}

}  // namespace sdx
