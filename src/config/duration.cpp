#include "config/duration.h"
#include "config/quoted.h"

#include <array>
#include <cstdint>
#include <limits>

namespace sdx {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t millis;
};

// Largest first: a unit's index is its rank, so "1m30s" is accepted and
// "30s1m" or "1s1s" are not.
constexpr std::array<Unit, 4> kUnits = {{{"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string& error) {
  constexpr std::string_view kHint = " (write e.g. 250ms, 5s, 1m or 1m30s)";
  if (text.empty()) {
    error = "a duration cannot be empty" + std::string(kHint);
    return std::nullopt;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t total = 0;
  int last_rank = -1;
  size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) {
      error = quoted(text) + " is not a duration" + std::string(kHint);
      return std::nullopt;
    }
    int64_t amount = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      const int digit = text[i] - '0';
      if (amount > (kMax - digit) / 10) {
        error = quoted(text) + " is too large";
        return std::nullopt;
      }
      amount = amount * 10 + digit;
    }
    if (i == text.size()) {
      error = quoted(text) + " has no unit" + std::string(kHint);
      return std::nullopt;
    }
    if (text[i] == '.') {
      error = quoted(text) + " has a fraction; use a smaller unit (e.g. 500ms, not 0.5s)";
      return std::nullopt;
    }
    // The longest matching suffix wins ("ms" over "m").
    int unit_rank = -1;
    for (size_t u = 0; u < kUnits.size(); ++u) {
      const bool longer =
          unit_rank < 0 || kUnits[u].suffix.size() > kUnits[unit_rank].suffix.size();
      if (text.substr(i).starts_with(kUnits[u].suffix) && longer) unit_rank = static_cast<int>(u);
    }
    if (unit_rank < 0) {
      size_t end = i;
      while (end < text.size() && !is_digit(text[end])) ++end;
      error = quoted(text) + " has an unknown unit " + quoted(text.substr(i, end - i)) +
              " (units: h, m, s, ms)";
      return std::nullopt;
    }
    if (unit_rank <= last_rank) {
      error = quoted(text) + " must give each unit once, largest first (e.g. 1m30s)";
      return std::nullopt;
    }
    last_rank = unit_rank;
    const Unit& unit = kUnits[unit_rank];
    i += unit.suffix.size();
    if (amount > (kMax - total) / unit.millis) {
      error = quoted(text) + " is too large";
      return std::nullopt;
    }
    total += amount * unit.millis;
  }
  if (total == 0) {
    error = quoted(text) + " must be longer than zero";
    return std::nullopt;
  }
  return std::chrono::milliseconds(total);
}

}  // namespace sdx
