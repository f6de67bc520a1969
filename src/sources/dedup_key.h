#pragma once
// What makes two deliveries of a callback "the same callback": Tencent may
// re-sign a retry (new t and sign), so the key comes from content that stays
// the same across retries. With a `sequence` (one push session; its start
// and end share it): sequence, event_type, stream_id, event_time, errcode.
// Without one: every member but t and sign, in body order.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace sdx {

// The text the key is a hash of (members' JSON values, minified, each
// tagged with its name); nullopt when `body` is not a JSON object.
std::optional<std::string> dedup_key_text(simdjson::dom::element body);

// First 64 bits of SHA-256 of the key text: stable across builds and
// restarts (it is saved in the checkpoint).
uint64_t dedup_key_hash(std::string_view key_text);

class DedupKeyer {
 public:
  // `body` must be followed by at least SIMDJSON_PADDING readable bytes
  // (LineSink lines are). nullopt when it is not a JSON object.
  std::optional<uint64_t> key(std::string_view body);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace sdx
