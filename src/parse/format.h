#pragma once
// A source's `format:` — how a line (or a webhook body) becomes an Event.
// Each format is one factory: the config keys it owns, how it reads and
// validates them, and the parser it makes. Adding a format is a new file
// with its factory plus one line in formats.cpp.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parse/line_parser.h"

namespace sdx {

class YamlReader;
class MapFields;

// A format's validated settings.
class FormatSpec {
 public:
  virtual ~FormatSpec() = default;
  // Every setting as text: specs with equal canonical() parse alike (a
  // reload keeps a source whose settings did not change).
  virtual std::string canonical() const = 0;
  // One parser per writer thread; `fields` says which dimension values the
  // configured labels need.
  virtual std::unique_ptr<LineParser> make_parser(DimensionFields fields) const = 0;
};

struct FormatFactory {
  std::string_view name;
  // Source keys this format owns (beyond name, type, format and the type's).
  std::vector<std::string_view> keys;
  // Reads and validates those keys of one source; problems are reported
  // through `reader` (file:line:column). `fields` holds the whole source map.
  std::shared_ptr<const FormatSpec> (*read)(const YamlReader& reader, const MapFields& fields);
};

// Every format, in the order messages list them (formats.cpp).
const std::vector<FormatFactory>& format_factories();
const FormatFactory* find_format(std::string_view name);

}  // namespace sdx
