#include "classify/model.h"

namespace sdx {
namespace {

CodeTable table_with(const std::vector<CodeEntry>& codes) {
  CodeTable table = CodeTable::builtin();
  for (const CodeEntry& entry : codes) table.upsert(entry);
  return table;
}

CategoryTable categories_with(const std::vector<std::string>& declared) {
  CategoryTable categories;
  for (const auto& name : declared) categories.declare(name);
  return categories;
}

}  // namespace

Model::Model(const ModelSettings& settings)
    : table_(table_with(settings.codes)),
      categories_(categories_with(settings.categories)),
      classifier_(table_),
      labels_(settings.labels),
      max_label_sets_(settings.max_label_sets) {}

std::shared_ptr<const Model> Model::build(const ModelSettings& settings) {
  return std::shared_ptr<const Model>(new Model(settings));
}

}  // namespace sdx
