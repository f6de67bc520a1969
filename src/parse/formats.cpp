// The registered formats: one line each.
#include "parse/format.h"

namespace sdx {

extern const FormatFactory kTencentCallbackFormat;
extern const FormatFactory kJsonFormat;
extern const FormatFactory kRegexFormat;
extern const FormatFactory kTencentApiRecordFormat;

const std::vector<FormatFactory>& format_factories() {
  static const std::vector<FormatFactory> factories = {
      kTencentCallbackFormat,
      kJsonFormat,
      kRegexFormat,
      kTencentApiRecordFormat,
  };
  return factories;
}

const FormatFactory* find_format(std::string_view name) {
  for (const FormatFactory& factory : format_factories()) {
    if (factory.name == name) return &factory;
  }
  return nullptr;
}

}  // namespace sdx
