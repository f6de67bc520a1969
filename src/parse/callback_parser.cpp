#include "parse/callback_parser.h"

#include <charconv>
#include <cstring>

#include "parse/optional_field.h"

namespace sdx {
namespace {

namespace od = simdjson::ondemand;
static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING,
              "line padding must cover simdjson's read-ahead");

enum class FieldStatus { ok, absent, wrong_type };

// A JSON number that is a whole int64 even when written as a fraction
// ("18.0"); 18.5, 1e400 and 2^63 are not.
bool integral_double(od::value value, int64_t& out) {
  double number = 0;
  if (value.get_double().get(number) != simdjson::SUCCESS) return false;
  // 2^63 is exact as a double; the open upper bound keeps the cast defined.
  if (!(number >= -9223372036854775808.0 && number < 9223372036854775808.0)) return false;
  if (number != static_cast<double>(static_cast<int64_t>(number))) return false;
  out = static_cast<int64_t>(number);
  return true;
}

// Integers arrive as JSON numbers, but exports and old bodies also write them
// as strings ("push_duration" is a string in current docs): accept both.
// Digits in quotes ("push_duration":"128581" on every callback), read from
// the raw token without unescaping a copy. Digits then a quote is the whole
// string; false for anything else (the caller takes the general path).
bool quoted_digits(od::value& value, int64_t& out) {
  const std::string_view raw = value.raw_json_token();
  if (raw.size() <= 2 || raw[0] != '"') return false;
  const char* end = raw.data() + raw.size();
  auto [ptr, ec] = std::from_chars(raw.data() + 1, end, out);
  return ec == std::errc() && ptr != raw.data() + 1 && ptr < end && *ptr == '"';
}

FieldStatus read_integer(od::value value, int64_t& out) {
  // Fast path: a plain JSON integer. A failed get_int64 does not consume the
  // value, so the slower checks below still see it.
  if (value.get_int64().get(out) == simdjson::SUCCESS) return FieldStatus::ok;
  if (quoted_digits(value, out)) return FieldStatus::ok;
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return FieldStatus::wrong_type;
  switch (type) {
    case od::json_type::number:
      return integral_double(value, out) ? FieldStatus::ok : FieldStatus::wrong_type;
    case od::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return FieldStatus::wrong_type;
      const char* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, out);
      return (ec == std::errc() && ptr == end && !text.empty()) ? FieldStatus::ok
                                                                : FieldStatus::wrong_type;
    }
    case od::json_type::null:
      return FieldStatus::absent;
    default:
      return FieldStatus::wrong_type;
  }
}

FieldStatus read_string(od::value value, std::string_view& out) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return FieldStatus::wrong_type;
  if (type == od::json_type::null) return FieldStatus::absent;
  if (type != od::json_type::string) return FieldStatus::wrong_type;
  return value.get_string().get(out) == simdjson::SUCCESS ? FieldStatus::ok
                                                          : FieldStatus::wrong_type;
}

// Label values are strings, but ids (appid always, stream_id sometimes) come
// as numbers: keep a number's text.
FieldStatus read_label(od::value value, std::string_view& out) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return FieldStatus::wrong_type;
  if (type == od::json_type::string) return read_string(value, out);
  if (type == od::json_type::null) return FieldStatus::absent;
  if (type != od::json_type::number) return FieldStatus::wrong_type;
  out = value.raw_json_token();
  while (!out.empty() &&
         (out.back() == ' ' || out.back() == '\t' || out.back() == '\r' || out.back() == '\n')) {
    out.remove_suffix(1);
  }
  return FieldStatus::ok;
}

// An optional field that is malformed is left empty and marked, not an error.
void optional(FieldStatus status, OptionalField field, Event& out) {
  if (status == FieldStatus::wrong_type) out.bad_fields |= optional_field_bit(field);
}

// Keys are compared against the raw (still quoted) JSON text with a length
// known at compile time, which compiles to a couple of loads instead of a
// memcmp call. An escaped spelling of a key ("err\u0063ode") does not match,
// which no producer of these logs writes.
template <size_t N>
inline bool key_is(const char* raw_key, const char (&name)[N]) {
  return std::memcmp(raw_key, name, N - 1) == 0 && raw_key[N - 1] == '"';
}

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

ParseError TencentCallbackParser::parse(std::string_view line, Event& out) {
  if (is_blank(line)) return ParseError::empty_line;

  // Stage 1 (inside iterate) validates the UTF-8 of the whole line, so label
  // values and messages taken from it are always valid UTF-8.
  od::document doc;
  switch (parser_.iterate(line.data(), line.size(), line.size() + simdjson::SIMDJSON_PADDING)
              .get(doc)) {
    case simdjson::SUCCESS:
      break;
    case simdjson::UTF8_ERROR:
      return ParseError::invalid_utf8;
    default:
      return ParseError::invalid_json;
  }
  od::json_type top;
  if (doc.type().get(top) != simdjson::SUCCESS) return ParseError::invalid_json;
  if (top != od::json_type::object) {
    // Rare path: tell valid JSON of the wrong shape from garbage with a full
    // validating parse (on-demand only looks at the first character here).
    simdjson::dom::element ignored;
    return validator_.parse(line.data(), line.size(), false).get(ignored) == simdjson::SUCCESS
               ? ParseError::wrong_type
               : ParseError::invalid_json;
  }
  od::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return ParseError::invalid_json;

  out = Event{};
  bool has_event_type = false;
  bool has_errcode = false;
  int64_t event_type = -1;
  for (auto field_result : object) {
    od::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) return ParseError::invalid_json;
    const char* raw_key = field.key().raw();
    FieldStatus status = FieldStatus::ok;
    // Dispatch on the first letter: most keys are skipped without a compare.
    // Only event_type, errcode and sub_errcode can make the line an error;
    // the others are optional (see optional()).
    switch (raw_key[0]) {
      case 'a':
        if (key_is(raw_key, "app")) {
          if (fields_.domain) {
            optional(read_string(field.value(), out.domain), OptionalField::domain, out);
          }
        } else if (key_is(raw_key, "appname")) {
          if (fields_.app) optional(read_string(field.value(), out.app), OptionalField::app, out);
        } else if (key_is(raw_key, "appid")) {
          if (fields_.appid) {
            optional(read_label(field.value(), out.appid), OptionalField::appid, out);
          }
        }
        break;
      case 'e':
        if (key_is(raw_key, "errcode")) {
          status = read_integer(field.value(), out.errcode);
          has_errcode = status == FieldStatus::ok;
        } else if (key_is(raw_key, "errmsg")) {
          optional(read_string(field.value(), out.errmsg), OptionalField::errmsg, out);
        } else if (key_is(raw_key, "event_type")) {
          status = read_integer(field.value(), event_type);
          has_event_type = status == FieldStatus::ok;
        } else if (key_is(raw_key, "event_time")) {
          int64_t time = 0;
          const FieldStatus time_status = read_integer(field.value(), time);
          if (time_status == FieldStatus::ok && time < 0) {
            out.bad_fields |= optional_field_bit(OptionalField::event_time);
          } else if (time_status == FieldStatus::ok) {
            out.event_time = time;
          }
          optional(time_status, OptionalField::event_time, out);
        }
        break;
      case 'p':
        if (key_is(raw_key, "push_duration")) {
          int64_t ms = 0;
          od::value value = field.value();
          // A string in the docs' bodies: try that first.
          const FieldStatus ms_status =
              quoted_digits(value, ms) ? FieldStatus::ok : read_integer(value, ms);
          if (ms_status == FieldStatus::ok && ms >= 0) {
            out.push_duration_ms = ms;
          } else if (ms_status != FieldStatus::absent) {
            out.bad_fields |= optional_field_bit(OptionalField::push_duration);
          }
        }
        break;
      case 's':
        if (key_is(raw_key, "sub_errcode")) {
          int64_t sub = 0;
          status = read_integer(field.value(), sub);
          if (status == FieldStatus::ok) out.sub_errcode = sub;
        } else if (key_is(raw_key, "stream_id")) {
          if (fields_.stream) {
            std::string_view stream;
            od::value value = field.value();
            od::json_type type;
            // A numeric stream_id is used as its text, and counted: the
            // docs say string, so the producer is off-contract.
            if (value.type().get(type) == simdjson::SUCCESS && type == od::json_type::number) {
              out.bad_fields |= optional_field_bit(OptionalField::stream);
              if (read_label(value, stream) == FieldStatus::ok) out.stream = stream;
            } else {
              optional(read_string(value, out.stream), OptionalField::stream, out);
            }
          }
        }
        break;
      default:
        break;
    }
    if (status == FieldStatus::wrong_type) return ParseError::wrong_type;
  }
  // Trailing garbage after the object ("{...} x") is malformed too: past the
  // object, a complete document has no location left.
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) return ParseError::invalid_json;
  if (!has_event_type) return ParseError::missing_field;

  switch (event_type) {
    case 0:
      if (!has_errcode) return ParseError::missing_field;
      out.kind = Event::Kind::disconnect;
      break;
    case 1:
      out.kind = Event::Kind::push;
      break;
    default:
      out.kind = Event::Kind::other;  // recording, snapshot... not ours
      break;
  }
  return ParseError::none;
}

}  // namespace sdx
