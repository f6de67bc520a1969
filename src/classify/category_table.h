#pragma once
// Category names: the built-in vocabulary (category.h) followed by the ones a
// config declares (`categories:`). A Category value past Category::unknown is
// a declared category; only this table knows its name.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "classify/category.h"

namespace sdx {

class CategoryTable {
 public:
  // Declared categories past this many are refused (Category is one byte).
  static constexpr size_t kMaxDeclared = 64;

  CategoryTable();

  // Adds a declared category; nullopt when the name is taken or the table is full.
  std::optional<Category> declare(std::string_view name);
  std::optional<Category> find(std::string_view name) const;
  std::string_view name(Category category) const;
  size_t size() const { return names_.size(); }
  // Every name, built-in first, for messages ("expected one of: ...").
  std::string joined_names() const;

 private:
  std::vector<std::string> names_;
};

}  // namespace sdx
