#include "classify/classifier.h"

#include <array>

namespace sdx {
namespace {
constexpr std::array<std::string_view, kResolutionCount> kResolutionNames = {
    "table", "from_message", "fallback", "unlisted", "unmatched_message", "category_from_message"};
}  // namespace

std::string_view resolution_name(Resolution resolution) {
  return kResolutionNames[static_cast<size_t>(resolution)];
}

Classifier::Classifier(const CodeTable& table) : table_(table), matcher_(table) {}

Classification Classifier::from_row(std::optional<uint32_t> index, int64_t errcode,
                                    int64_t sub_errcode, Resolution resolution) const {
  Classification c{index, errcode, sub_errcode, resolution};
  c.category = index ? table_.at(*index).category : Category::unknown;
  return c;
}

// Hot path: everything except message matching is array or binary-search
// lookups, with no allocation and no string hashing.
Classification Classifier::classify(int64_t errcode, std::optional<int64_t> sub_errcode,
                                    std::string_view errmsg) const {
  const bool needs_sub = table_.has_sub_codes(errcode);

  // 1. An explicit sub-code is used as is. A 0 for an errcode that needs a
  //    sub-code (18, 21) is how many logs spell "none", so it counts as absent.
  if (sub_errcode && (*sub_errcode != 0 || !needs_sub)) {
    auto index = table_.find(errcode, *sub_errcode);
    return from_row(index, errcode, *sub_errcode, index ? Resolution::table : Resolution::unlisted);
  }

  if (needs_sub) {
    // 2. Callbacks carry no sub-code: recover it from a unique message match.
    if (!errmsg.empty()) {
      if (auto index = matcher_.match_sub_code(errcode, errmsg)) {
        return from_row(index, errcode, table_.at(*index).sub_errcode, Resolution::from_message);
      }
      // Several sub-codes match but share a category: that much is known.
      if (auto category = matcher_.shared_sub_code_category(errcode, errmsg)) {
        Classification c = from_row(std::nullopt, errcode, 0, Resolution::category_from_message);
        c.category = *category;
        c.sub_errcode_known = false;
        return c;
      }
    }
    // 3. Never guessed: the errcode's own sub 0 row (18 push_rejected, 21 stream_control).
    auto index = table_.find(errcode, 0);
    return from_row(index, errcode, 0, index ? Resolution::fallback : Resolution::unlisted);
  }

  // Plain codes (1, 19, ...) have only a sub 0 row; 4. anything else is unlisted.
  auto index = table_.find(errcode, 0);
  return from_row(index, errcode, 0, index ? Resolution::table : Resolution::unlisted);
}

Classification Classifier::classify_message(std::string_view message) const {
  if (auto index = matcher_.match_any(message)) {
    const CodeEntry& entry = table_.at(*index);
    return from_row(index, entry.errcode, entry.sub_errcode, Resolution::from_message);
  }
  Classification c = from_row(std::nullopt, 0, 0, Resolution::unmatched_message);
  if (auto category = matcher_.shared_category(message)) {
    c.category = *category;
    c.resolution = Resolution::category_from_message;
  }
  c.errcode_known = false;
  c.sub_errcode_known = false;
  return c;
}

}  // namespace sdx
