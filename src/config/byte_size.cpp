#include "config/byte_size.h"
#include "config/quoted.h"

#include <array>
#include <limits>

namespace sdx {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t bytes;
};

constexpr std::array<Unit, 4> kUnits = {
    {{"B", 1}, {"KiB", uint64_t{1} << 10}, {"MiB", uint64_t{1} << 20}, {"GiB", uint64_t{1} << 30}}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<uint64_t> parse_byte_size(std::string_view text, std::string& error) {
  constexpr std::string_view kHint = " (write a byte count or e.g. 64KiB, 1MiB)";
  size_t i = 0;
  uint64_t amount = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (; i < text.size() && is_digit(text[i]); ++i) {
    const unsigned digit = static_cast<unsigned>(text[i] - '0');
    if (amount > (kMax - digit) / 10) {
      error = quoted(text) + " is too large";
      return std::nullopt;
    }
    amount = amount * 10 + digit;
  }
  if (i == 0) {
    error = quoted(text) + " is not a size" + std::string(kHint);
    return std::nullopt;
  }
  if (i < text.size() && text[i] == '.') {
    error = quoted(text) + " has a fraction; use a smaller unit (e.g. 1536KiB, not 1.5MiB)";
    return std::nullopt;
  }
  // "1 MiB" reads naturally; allow the space.
  while (i < text.size() && text[i] == ' ') ++i;
  const std::string_view suffix = text.substr(i);
  if (suffix.empty()) return amount;
  for (const Unit& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    if (amount > kMax / unit.bytes) {
      error = quoted(text) + " is too large";
      return std::nullopt;
    }
    return amount * unit.bytes;
  }
  error = quoted(text) + " has an unknown unit " + quoted(suffix) + " (units: B, KiB, MiB, GiB)";
  return std::nullopt;
}

}  // namespace sdx
