#pragma once
// Optional dimension labels (config `labels:`) added to the event counters.
#include <cstdint>
#include <optional>
#include <string_view>

namespace sdx {

enum class Dimension : uint8_t { source, domain, app, appid, stream };
inline constexpr size_t kDimensionCount = 5;

std::string_view dimension_name(Dimension dimension);
std::optional<Dimension> dimension_from_name(std::string_view name);

}  // namespace sdx
