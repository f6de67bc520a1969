#pragma once
// `{field: POINTER, equals: VALUE}`, format json's filter and push rules:
// does the JSON value at POINTER equal VALUE (a YAML string, number or bool)?
//   - a JSON string matches when it equals VALUE's text ("18" matches 18);
//   - a JSON number when VALUE is a number of equal value (18 matches "18",
//     18 matches 18.0);
//   - a JSON bool when VALUE is true or false;
//   - null, objects, arrays and a missing value never match.
// It depends only on VALUE's text, so equal texts mean equal rules.
#include <cstdint>
#include <optional>
#include <string>

#include <simdjson.h>

#include "parse/json_pointer.h"

namespace sdx {

class JsonMatch {
 public:
  // `equals` as text: a YAML integer in decimal, a bool as "true"/"false".
  JsonMatch(JsonPointer field, std::string equals);

  bool matches(simdjson::dom::element root) const;

  const JsonPointer& field() const { return field_; }
  const std::string& equals() const { return equals_; }

 private:
  JsonPointer field_;
  std::string equals_;
  std::optional<int64_t> integer_;  // equals_ read as a decimal integer
  std::optional<double> number_;    // equals_ read as any finite number
  std::optional<bool> boolean_;     // equals_ is "true" or "false"
};

}  // namespace sdx
