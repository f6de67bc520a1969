#include "metrics/label_set_budget.h"

#include <cstring>

namespace sdx {

void LabelSetBudget::append_key(std::string& key, std::string_view value) {
  const auto length = static_cast<uint32_t>(value.size());
  char prefix[sizeof length];
  std::memcpy(prefix, &length, sizeof length);
  key.append(prefix, sizeof prefix);
  key.append(value);
}

bool LabelSetBudget::admit(std::string_view key) {
  std::lock_guard lock(mutex_);
  if (admitted_.contains(std::string(key))) return true;
  if (admitted_.size() >= max_) return false;
  admitted_.emplace(key);
  return true;
}

bool LabelSetBudget::admit(const std::vector<std::string>& label_values) {
  std::string key;
  for (const auto& value : label_values) append_key(key, value);
  return admit(std::string_view(key));
}

size_t LabelSetBudget::used() const {
  std::lock_guard lock(mutex_);
  return admitted_.size();
}

size_t LabelSetBudget::max() const {
  std::lock_guard lock(mutex_);
  return max_;
}

void LabelSetBudget::reset(size_t max_label_sets) {
  std::lock_guard lock(mutex_);
  admitted_.clear();
  max_ = max_label_sets;
}

}  // namespace sdx
