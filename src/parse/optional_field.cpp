#include "parse/optional_field.h"

#include <array>

namespace sdx {

std::string_view optional_field_name(OptionalField field) {
  static constexpr std::array<std::string_view, kOptionalFieldCount> kNames = {
      "event_time", "push_duration", "errmsg", "domain", "app", "appid", "stream"};
  return kNames[static_cast<size_t>(field)];
}

}  // namespace sdx
