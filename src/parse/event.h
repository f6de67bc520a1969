#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace sdx {

// One parsed event. String views point into the parser's input and are valid
// only until the next parse call.
struct Event {
  enum class Kind : uint8_t { disconnect, push, other };
  Kind kind = Kind::other;
  int64_t errcode = 0;
  std::optional<int64_t> sub_errcode;
  std::string_view errmsg;
  // Dimension values (empty when absent).
  std::string_view domain;  // Tencent "app": the push domain
  std::string_view app;     // Tencent "appname": the app path
  std::string_view appid;   // raw number text
  std::string_view stream;  // Tencent "stream_id"
  int64_t event_time = 0;   // unix seconds, 0 when absent
  // Only a message, no code (records API StopReason): classified by the
  // message alone over the whole table.
  bool message_only = false;
  // How long the stream had been pushing when it was cut (callback
  // "push_duration", ms); absent when the line has none.
  std::optional<int64_t> push_duration_ms;
  // OptionalField bits (parse/optional_field.h): malformed fields that were
  // ignored or normalised instead of dropping the event.
  uint8_t bad_fields = 0;
};

}  // namespace sdx
