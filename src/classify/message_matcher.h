#pragma once
// Maps an errmsg back to a code-table row by comparing normalised messages
// (Chinese, current English and aliases). Only a unique match counts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "classify/code_table.h"

namespace sdx {

class MessageMatcher {
 public:
  explicit MessageMatcher(const CodeTable& table);

  // Among the non-zero sub-codes of `errcode`, the unique row whose message
  // matches; nullopt when none or several (of different sub-codes) match.
  std::optional<uint32_t> match_sub_code(int64_t errcode, std::string_view errmsg) const;

  // Over the whole table (records with only a message, e.g. StopReason):
  // the unique (errcode, sub_errcode) row whose message matches.
  std::optional<uint32_t> match_any(std::string_view message) const;

  // When match_sub_code finds several sub-codes that all share one category
  // (18/100-104 internal_error), that category.
  std::optional<Category> shared_sub_code_category(int64_t errcode, std::string_view errmsg) const;
  // When match_any finds several rows that all share one category
  // (推流客户端主动断流 is 1, 2, 3, 4 and 35: client_closed), that category.
  std::optional<Category> shared_category(std::string_view message) const;

 private:
  // Rows of `errcode` with a non-zero sub-code whose message matches.
  std::vector<uint32_t> sub_code_rows(int64_t errcode, std::string_view errmsg) const;
  std::optional<Category> common_category(const std::vector<uint32_t>& rows) const;

  // normalised message -> row indices carrying it
  std::unordered_map<std::string, std::vector<uint32_t>> by_message_;
  const CodeTable& table_;
};

}  // namespace sdx
