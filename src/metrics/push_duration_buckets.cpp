#include "metrics/push_duration_buckets.h"

namespace sdx {
namespace {
constexpr std::array<std::string_view, kPushDurationCells> kCellNames = {
    "1", "10", "60", "300", "900", "3600", "14400", "43200", "86400", "+Inf", "sum"};
}

std::string_view push_duration_cell_name(size_t cell) { return kCellNames.at(cell); }

std::optional<size_t> push_duration_cell_from_name(std::string_view name) {
  for (size_t i = 0; i < kCellNames.size(); ++i) {
    if (kCellNames[i] == name) return i;
  }
  return std::nullopt;
}

}  // namespace sdx
