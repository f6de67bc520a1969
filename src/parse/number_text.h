#pragma once
// Numbers that logs write as text (JSON strings, regex captures): codes and
// unix timestamps. Shared by the json and regex formats.
#include <cstdint>
#include <optional>
#include <string_view>

namespace sdx {

// A whole decimal integer: optional "-", digits, nothing else (no spaces, no
// "+", no fraction).
std::optional<int64_t> parse_integer_text(std::string_view text);

// A unix timestamp in seconds from a count that may be in milliseconds,
// microseconds or nanoseconds: a value past 1e11 seconds (year 5138) is taken
// as ms, past 1e14 as µs, past 1e17 as ns.
int64_t unix_seconds(int64_t count);
// The same from a floating-point count; nullopt when not finite or out of range.
std::optional<int64_t> unix_seconds(double count);
// An integer or decimal ("1700000000.25") timestamp written as text.
std::optional<int64_t> unix_seconds_from_text(std::string_view text);

}  // namespace sdx
