#pragma once
#include <vector>

#include "classify/code_entry.h"

namespace sdx {

// Every row of Tencent Cloud Live's interruption-reasons table, plus the two
// fallback rows (18/0 push_rejected, 21/0 stream_control) used when a
// callback's 18/21 sub-code cannot be recovered.
const std::vector<CodeEntry>& builtin_code_entries();

}  // namespace sdx
