#pragma once
// A source's `type:` — one factory per type: the config keys it owns, how it
// reads and validates them, and how it makes the Source. Adding a source
// type is a new file with its factory plus one line in source_types.cpp.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sources/source.h"

namespace sdx {

class YamlReader;
class MapFields;

// A type's validated settings.
class SourceSpec {
 public:
  virtual ~SourceSpec() = default;
  // Every setting as text: equal = the source did not change on a reload.
  virtual std::string canonical() const = 0;
  // What it reads (see SourceState::identity).
  virtual std::string identity() const = 0;
};

// What a factory gets besides its own settings.
struct SourceContext {
  std::string name;
  size_t max_line_bytes = size_t{1} << 20;
  // --once: every file from its beginning, whatever start_at says.
  bool read_from_start = false;
  // The state file (may be empty): a webhook keeps its spool beside it.
  std::string state_file;
};

struct SourceFactory {
  std::string_view type;
  std::vector<std::string_view> keys;  // beyond name, type and format
  std::string_view default_format;
  std::shared_ptr<const SourceSpec> (*read)(const YamlReader& reader, const MapFields& fields);
  std::unique_ptr<Source> (*create)(const SourceSpec& spec, const SourceContext& context,
                                    LineSink& sink);
};

// Every source type, in the order messages list them (source_types.cpp).
const std::vector<SourceFactory>& source_factories();
const SourceFactory* find_source_type(std::string_view type);

}  // namespace sdx
