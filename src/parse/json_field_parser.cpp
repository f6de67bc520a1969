#include "parse/json_field_parser.h"

#include <charconv>

#include "parse/number_text.h"

namespace sdx {
namespace {

namespace dom = simdjson::dom;
static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING,
              "line padding must cover simdjson's read-ahead");

enum class FieldStatus { ok, absent, wrong_type };

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
    case dom::element_type::DOUBLE: {
      // "18.0" is 18; 18.5, 1e300 and 2^63 are not codes.
      double number = 0;
      if (value.get_double().get(number) != simdjson::SUCCESS) return FieldStatus::wrong_type;
      if (!(number >= -9223372036854775808.0 && number < 9223372036854775808.0)) {
        return FieldStatus::wrong_type;
      }
      if (number != static_cast<double>(static_cast<int64_t>(number))) {
        return FieldStatus::wrong_type;
      }
      out = static_cast<int64_t>(number);
      return FieldStatus::ok;
    }
    case dom::element_type::NULL_VALUE:
      return FieldStatus::absent;
    default:  // integers past int64, bools, objects, arrays
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
void JsonFieldParser::read_text(dom::element root, const std::optional<JsonPointer>& pointer,
                                Slot slot, OptionalField field, std::string_view& out,
                                Event& event) {
  if (!pointer) return;
  const std::optional<dom::element> found = pointer->find(root);
  if (!found) return;
  switch (found->type()) {
    case dom::element_type::STRING:
      if (found->get_string().get(out) != simdjson::SUCCESS) {
        out = {};
        event.bad_fields |= optional_field_bit(field);
      }
      return;
    case dom::element_type::INT64:
      out = write_number<int64_t>(*found, numbers_[slot]);
      return;
    case dom::element_type::UINT64:
      out = write_number<uint64_t>(*found, numbers_[slot]);
      return;
    case dom::element_type::DOUBLE:
      out = write_number<double>(*found, numbers_[slot]);
      return;
    case dom::element_type::NULL_VALUE:
      return;
    default:  // bools, objects, arrays
      event.bad_fields |= optional_field_bit(field);
      return;
  }
}

// The dimensions and the time, which pushes carry too (stream_pushes_total has
// the same labels). Only the dimensions the configured labels use are looked up.
void JsonFieldParser::read_shared_fields(dom::element root, Event& out) {
  const JsonFieldMap& map = *map_;
  if (fields_.domain) read_text(root, map.domain, kDomain, OptionalField::domain, out.domain, out);
  if (fields_.app) read_text(root, map.app, kApp, OptionalField::app, out.app, out);
  if (fields_.appid) read_text(root, map.appid, kAppid, OptionalField::appid, out.appid, out);
  if (fields_.stream) read_text(root, map.stream, kStream, OptionalField::stream, out.stream, out);
  if (map.time) {
    if (const std::optional<dom::element> found = map.time->find(root)) {
      int64_t seconds = 0;
      const FieldStatus status = read_time(*found, seconds);
      if (status == FieldStatus::ok && seconds >= 0) {
        out.event_time = seconds;
      } else if (status != FieldStatus::absent) {
        out.bad_fields |= optional_field_bit(OptionalField::event_time);
      }
    }
  }
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
    read_shared_fields(root, out);
    return ParseError::none;
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
  read_text(root, map.errmsg, kErrmsg, OptionalField::errmsg, out.errmsg, out);
  read_shared_fields(root, out);
  if (map.push_duration) {
    if (const std::optional<dom::element> found = map.push_duration->find(root)) {
      int64_t ms = 0;
      const FieldStatus status = read_integer(*found, ms);
      if (status == FieldStatus::ok && ms >= 0) {
        out.push_duration_ms = ms;
      } else if (status != FieldStatus::absent) {
        out.bad_fields |= optional_field_bit(OptionalField::push_duration);
      }
    }
  }
  out.kind = Event::Kind::disconnect;
  return ParseError::none;
}

}  // namespace sdx
