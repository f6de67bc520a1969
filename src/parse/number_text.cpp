#include "parse/number_text.h"

#include <charconv>
#include <cmath>

namespace sdx {

std::optional<int64_t> parse_integer_text(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

int64_t unix_seconds(int64_t count) {
  if (count > 100'000'000'000'000'000) return count / 1'000'000'000;
  if (count > 100'000'000'000'000) return count / 1'000'000;
  if (count > 100'000'000'000) return count / 1'000;
  return count;
}

std::optional<int64_t> unix_seconds(double count) {
  // Past ±9e18 the cast to int64_t is undefined.
  if (!std::isfinite(count) || std::fabs(count) >= 9e18) return std::nullopt;
  return unix_seconds(static_cast<int64_t>(count));
}

std::optional<int64_t> unix_seconds_from_text(std::string_view text) {
  if (const std::optional<int64_t> integer = parse_integer_text(text))
    return unix_seconds(*integer);
  // from_chars would also take "inf", "nan" and "1e9": a timestamp is digits.
  if (text.empty() || !(text.front() == '-' || (text.front() >= '0' && text.front() <= '9'))) {
    return std::nullopt;
  }
  for (char c : text) {
    if (c == 'e' || c == 'E') return std::nullopt;
  }
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return unix_seconds(value);
}

}  // namespace sdx
