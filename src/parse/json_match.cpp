#include "parse/json_match.h"

#include <charconv>
#include <cmath>
#include <string_view>
#include <type_traits>

namespace sdx {
namespace {

template <typename Number>
std::optional<Number> read_number(std::string_view text) {
  // from_chars also reads "inf", "nan" and hex: JSON numbers start with a
  // digit, "-" or (loosely, YAML's ".5") a ".".
  if (text.empty() || !((text.front() >= '0' && text.front() <= '9') || text.front() == '-' ||
                        text.front() == '.')) {
    return std::nullopt;
  }
  Number value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if constexpr (std::is_floating_point_v<Number>) {
    if (!std::isfinite(value)) return std::nullopt;
  }
  return value;
}

}  // namespace

JsonMatch::JsonMatch(JsonPointer field, std::string equals)
    : field_(std::move(field)), equals_(std::move(equals)) {
  integer_ = read_number<int64_t>(equals_);
  number_ = read_number<double>(equals_);
  if (equals_ == "true") boolean_ = true;
  if (equals_ == "false") boolean_ = false;
}

bool JsonMatch::matches(simdjson::dom::element root) const {
  const std::optional<simdjson::dom::element> found = field_.find(root);
  if (!found) return false;
  const simdjson::dom::element value = *found;
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view text;
      return value.get_string().get(text) == simdjson::SUCCESS && text == equals_;
    }
    case simdjson::dom::element_type::INT64: {
      int64_t number = 0;
      if (value.get_int64().get(number) != simdjson::SUCCESS) return false;
      // Exact for integers past 2^53, where doubles round.
      if (integer_) return number == *integer_;
      return number_ && static_cast<double>(number) == *number_;
    }
    case simdjson::dom::element_type::UINT64: {  // only values above INT64_MAX
      uint64_t number = 0;
      if (value.get_uint64().get(number) != simdjson::SUCCESS) return false;
      return !integer_ && number_ && static_cast<double>(number) == *number_;
    }
    case simdjson::dom::element_type::DOUBLE: {
      double number = 0;
      return value.get_double().get(number) == simdjson::SUCCESS && number_ && number == *number_;
    }
    case simdjson::dom::element_type::BOOL: {
      bool flag = false;
      return value.get_bool().get(flag) == simdjson::SUCCESS && boolean_ && flag == *boolean_;
    }
    default:
      return false;  // null, objects and arrays
  }
}

}  // namespace sdx
