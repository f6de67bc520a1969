#pragma once
// format: json — any JSON lines, with a JSON pointer per Event field and
// optional push and filter rules (factory and YAML keys: json_format.cpp).
#include <array>
#include <memory>
#include <optional>

#include <simdjson.h>

#include "parse/json_match.h"
#include "parse/json_pointer.h"
#include "parse/line_parser.h"
#include "parse/optional_field.h"

namespace sdx {

struct JsonFieldMap {
  JsonPointer errcode;
  std::optional<JsonPointer> sub_errcode, errmsg, domain, app, appid, stream, time;
  std::optional<JsonPointer> push_duration;  // ms, a number or numeric string
  // Checked first: a line it matches is a push, whatever the filter says.
  std::optional<JsonMatch> push;
  // Lines it does not match (that are not pushes) are Event::Kind::other.
  std::optional<JsonMatch> filter;
};

// Per line: a full (validating) simdjson DOM parse, so a line that is not
// JSON is an error wherever the damage is; then one lookup per configured
// field. Strings are views into the parser's buffer.
class JsonFieldParser final : public LineParser {
 public:
  JsonFieldParser(std::shared_ptr<const JsonFieldMap> map, DimensionFields fields);
  ParseError parse(std::string_view line, Event& out) override;

 private:
  // Where a dimension given as a JSON number is written out as text.
  using NumberText = std::array<char, 32>;
  enum Slot { kErrmsg, kDomain, kApp, kAppid, kStream, kSlotCount };

  void read_shared_fields(simdjson::dom::element root, Event& out);
  // Optional fields: a malformed one is left empty and marked in
  // Event::bad_fields, never an error.
  void read_text(simdjson::dom::element root, const std::optional<JsonPointer>& pointer, Slot slot,
                 OptionalField field, std::string_view& out, Event& event);

  const std::shared_ptr<const JsonFieldMap> map_;
  const DimensionFields fields_;
  simdjson::dom::parser parser_;
  std::array<NumberText, kSlotCount> numbers_{};
};

}  // namespace sdx
