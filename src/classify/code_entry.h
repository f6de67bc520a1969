#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "classify/category.h"

namespace sdx {

// One row of the code table: a (errcode, sub_errcode) pair and what it means.
struct CodeEntry {
  int64_t errcode = 0;
  int64_t sub_errcode = 0;
  Category category = Category::unknown;
  std::string reason;      // fine-grained slug, e.g. "account_arrears"
  std::string message_zh;  // exactly as in Tencent's table
  std::string message_en;  // current English wording
  // Other wordings seen in the wild (older English docs, legacy errmsg strings).
  // Used only to recover a missing sub-code from an errmsg.
  std::vector<std::string> message_aliases;
};

}  // namespace sdx
