#include "metrics/dimension.h"

#include <array>

namespace sdx {
namespace {
constexpr std::array<std::string_view, kDimensionCount> kNames = {"source", "domain", "app",
                                                                  "appid", "stream"};
}

std::string_view dimension_name(Dimension dimension) {
  return kNames[static_cast<size_t>(dimension)];
}

std::optional<Dimension> dimension_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Dimension>(i);
  }
  return std::nullopt;
}

}  // namespace sdx
