#pragma once
#include <string>
#include <string_view>

namespace sdx {

// A config value as shown in an error message: in double quotes, cut after
// 40 bytes so a huge value cannot flood the message.
std::string quoted(std::string_view text);

}  // namespace sdx
