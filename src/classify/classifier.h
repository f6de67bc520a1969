#pragma once
// Resolves one event's codes to a code-table row, in DESIGN's order:
// explicit sub-code, then message matching, then the errcode's fallback row,
// else unlisted.
#include <cstdint>
#include <optional>
#include <string_view>

#include "classify/code_table.h"
#include "classify/message_matcher.h"

namespace sdx {

enum class Resolution : uint8_t {
  table,              // (errcode, sub) found as given (explicit sub, or sub 0)
  from_message,       // sub-code recovered from errmsg
  fallback,           // sub-code needed but unknown: errcode's sub 0 row (18 -> push_rejected)
  unlisted,           // not in the table: category unknown, reason unlisted_code
  unmatched_message,  // message-only record that matched no row: unknown
  // Several rows match the message and share one category: counted in it,
  // with the code labels that are not known left empty.
  category_from_message,
};
inline constexpr size_t kResolutionCount = 6;
std::string_view resolution_name(Resolution resolution);

struct Classification {
  // Row index in the table; nullopt when unlisted.
  std::optional<uint32_t> index;
  int64_t errcode = 0;
  int64_t sub_errcode = 0;  // as resolved (0 when absent and not recovered)
  Resolution resolution = Resolution::unlisted;
  // Decided here, once: the series an event is counted in keeps it.
  Category category = Category::unknown;
  // False when the label is not known and exported empty (never guessed).
  bool errcode_known = true;
  bool sub_errcode_known = true;
};

class Classifier {
 public:
  explicit Classifier(const CodeTable& table);

  // `sub_errcode` nullopt = the event carried none. An explicit 0 for an
  // errcode whose rows all have sub-codes (18, 21) counts as absent.
  Classification classify(int64_t errcode, std::optional<int64_t> sub_errcode,
                          std::string_view errmsg) const;

  // Message-only records (records API StopReason): unique match or unlisted.
  Classification classify_message(std::string_view message) const;

  const CodeTable& table() const { return table_; }

 private:
  Classification from_row(std::optional<uint32_t> index, int64_t errcode, int64_t sub_errcode,
                          Resolution resolution) const;

  const CodeTable& table_;
  MessageMatcher matcher_;
};

}  // namespace sdx
