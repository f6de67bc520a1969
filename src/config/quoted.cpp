#include "config/quoted.h"

#include <fmt/format.h>

namespace sdx {

std::string quoted(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  if (text.size() > kMaxShown) return fmt::format("\"{}...\"", text.substr(0, kMaxShown));
  return fmt::format("\"{}\"", text);
}

}  // namespace sdx
