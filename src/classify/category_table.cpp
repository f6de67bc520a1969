#include "classify/category_table.h"

namespace sdx {

CategoryTable::CategoryTable() {
  for (size_t i = 0; i < kCategoryCount; ++i) {
    names_.emplace_back(category_name(static_cast<Category>(i)));
  }
}

std::optional<Category> CategoryTable::declare(std::string_view name) {
  if (find(name) || names_.size() >= kCategoryCount + kMaxDeclared) return std::nullopt;
  names_.emplace_back(name);
  return static_cast<Category>(names_.size() - 1);
}

std::optional<Category> CategoryTable::find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<Category>(i);
  }
  return std::nullopt;
}

std::string_view CategoryTable::name(Category category) const {
  const auto index = static_cast<size_t>(category);
  return index < names_.size() ? std::string_view(names_[index]) : category_name(Category::unknown);
}

std::string CategoryTable::joined_names() const {
  std::string out;
  for (const auto& name : names_) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace sdx
