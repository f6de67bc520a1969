#pragma once
// The classification model: code table, category names, classifier and the
// label settings, built from one config and never changed afterwards. A
// reload builds a new one and swaps it in as a whole, so no event is ever
// classified by half of an old table and half of a new one.
#include <memory>
#include <string>
#include <vector>

#include "classify/category_table.h"
#include "classify/classifier.h"
#include "classify/code_table.h"
#include "metrics/dimension.h"

namespace sdx {

struct ModelSettings {
  std::vector<std::string> categories;  // declared, in config order
  std::vector<CodeEntry> codes;         // additions/overrides, categories as declared
  std::vector<Dimension> labels;
  size_t max_label_sets = 1000;
};

class Model {
 public:
  static std::shared_ptr<const Model> build(const ModelSettings& settings);

  const CodeTable& table() const { return table_; }
  const CategoryTable& categories() const { return categories_; }
  const Classifier& classifier() const { return classifier_; }
  const std::vector<Dimension>& labels() const { return labels_; }
  size_t max_label_sets() const { return max_label_sets_; }

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

 private:
  explicit Model(const ModelSettings& settings);

  CodeTable table_;
  CategoryTable categories_;
  Classifier classifier_;  // refers to table_
  std::vector<Dimension> labels_;
  size_t max_label_sets_;
};

}  // namespace sdx
