#pragma once
// Fields an event can be counted without. A malformed one (a string where a
// number belongs, a number past int64, a lone surrogate...) is ignored and
// counted by name, never a reason to drop the disconnect.
#include <cstdint>
#include <string_view>

namespace sdx {

enum class OptionalField : uint8_t {
  event_time,
  push_duration,
  errmsg,
  domain,
  app,
  appid,
  stream
};
inline constexpr size_t kOptionalFieldCount = 7;

// The `field` label value (the Event field's name, as in `labels:`).
std::string_view optional_field_name(OptionalField field);

// Bit of `field` in Event::bad_fields.
constexpr uint8_t optional_field_bit(OptionalField field) {
  return static_cast<uint8_t>(1u << static_cast<unsigned>(field));
}

}  // namespace sdx
