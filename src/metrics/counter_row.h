#pragma once
// One counter series in a snapshot: what exposition renders and what the
// checkpoint saves. Codes are kept as text so overflow, message-only ("")
// and restored rows need no table entry; the category is the one decided
// when the events were counted, never recomputed from the codes.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/dimension.h"

namespace sdx {

inline constexpr std::string_view kOverflowLabelValue = "__overflow__";

struct CounterRow {
  // push_duration: stream_push_duration_seconds of one (labels, category):
  // `cells` holds each bucket's own count (not cumulative) and the sum in
  // ms (push_duration_buckets.h); `value` is the observation count.
  enum class Kind : uint8_t { disconnect, push, push_duration };
  Kind kind = Kind::disconnect;
  std::string source;                     // the source that counted it
  std::string category;                   // disconnect and push_duration rows
  std::string errcode;                    // disconnect rows only; "" = not known
  std::string sub_errcode;                // disconnect rows only; "" = not known
  std::vector<std::string> label_values;  // one per configured dimension
  uint64_t value = 0;
  std::vector<uint64_t> cells;  // push_duration rows only

  // Nothing counted: not saved, not carried.
  bool empty() const;
  // Adds another row of the same series.
  void add(const CounterRow& other);

  // The checkpoint key: unambiguous (length-prefixed fields) and
  // self-describing: it names the source and each label, so a state file
  // saved under other labels is never read under the wrong names.
  std::string key(std::span<const Dimension> dimensions) const;
  // A push_duration row is saved as one key per non-zero cell, "H" (source,
  // category, cell name, labels); key() of such a row names no cell. An
  // older binary skips "H" keys as malformed and keeps the rest.
  std::string cell_key(std::span<const Dimension> dimensions, size_t cell) const;
  // What the exposition merges sources on: everything but the source.
  std::string series_key() const;

  // Inverse of key() and cell_key() (a row with that one cell). `label_names` receives the saved
  // label names in order. Keys of the first state format ("d"/"p": label values only, no source or
  // category) are read too: `legacy` is then true, `label_names` empty and category/source are left
  // for the caller to fill in.
  static bool from_key(std::string_view key, uint64_t value, CounterRow& out,
                       std::vector<std::string>& label_names, bool& legacy);
};

}  // namespace sdx
