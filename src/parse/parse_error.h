#pragma once
#include <cstdint>
#include <string_view>

namespace sdx {

// Why a line did not yield an event; the `reason` label of the parse-error
// self metric.
enum class ParseError : uint8_t {
  none,
  empty_line,
  line_too_long,
  invalid_utf8,
  invalid_json,
  wrong_type,     // a field of the wrong JSON type (e.g. errcode as an object)
  missing_field,  // event_type or errcode missing
  no_match,       // regex formats: the line did not match
};
inline constexpr size_t kParseErrorCount = static_cast<size_t>(ParseError::no_match) + 1;

std::string_view parse_error_name(ParseError error);

}  // namespace sdx
