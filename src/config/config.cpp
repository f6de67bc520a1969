#include "config/config.h"

#include "parse/format.h"
#include "sources/source_factory.h"

namespace sdx {

std::string SourceConfig::canonical() const {
  return type + "\n" + (spec ? spec->canonical() : "") + "\nformat " + format + "\n" +
         (format_spec ? format_spec->canonical() : "");
}

std::string SourceConfig::identity() const { return spec ? spec->identity() : type; }

ModelSettings Config::model_settings() const {
  return ModelSettings{categories, codes, labels, max_label_sets};
}

}  // namespace sdx
