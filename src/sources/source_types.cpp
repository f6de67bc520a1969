// The registered source types: one line each.
#include "sources/source_factory.h"

namespace sdx {

extern const SourceFactory kFileSourceType;
extern const SourceFactory kTencentApiSourceType;
extern const SourceFactory kWebhookSourceType;

const std::vector<SourceFactory>& source_factories() {
  static const std::vector<SourceFactory> factories = {
      kFileSourceType,
      kTencentApiSourceType,
      kWebhookSourceType,
  };
  return factories;
}

const SourceFactory* find_source_type(std::string_view type) {
  for (const SourceFactory& factory : source_factories()) {
    if (factory.type == type) return &factory;
  }
  return nullptr;
}

}  // namespace sdx
