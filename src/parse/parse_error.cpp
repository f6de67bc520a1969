#include "parse/parse_error.h"

#include <array>

namespace sdx {

std::string_view parse_error_name(ParseError error) {
  static constexpr std::array<std::string_view, kParseErrorCount> kNames = {
      "none",         "empty_line", "line_too_long", "invalid_utf8",
      "invalid_json", "wrong_type", "missing_field", "no_match",
  };
  return kNames[static_cast<size_t>(error)];
}

}  // namespace sdx
