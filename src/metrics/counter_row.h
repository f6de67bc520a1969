#pragma once
// One counter series in a snapshot: what exposition renders and what the
// checkpoint saves. Codes are kept as text so overflow and restored rows need
// no table entry.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sdx {

inline constexpr std::string_view kOverflowLabelValue = "__overflow__";

struct CounterRow {
  enum class Kind : uint8_t { disconnect, push };
  Kind kind = Kind::disconnect;
  std::string errcode;                    // disconnect rows only
  std::string sub_errcode;                // disconnect rows only
  std::vector<std::string> label_values;  // one per configured dimension
  uint64_t value = 0;

  // Stable, unambiguous text key (length-prefixed fields): merges rows of
  // several shards and names the row in the checkpoint.
  std::string key() const;
  // Inverse of key(); false when the text is not a key.
  static bool from_key(std::string_view key, uint64_t value, CounterRow& out);
};

}  // namespace sdx
