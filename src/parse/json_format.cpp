// format: json — the factory: reads `fields`, `filter` and `push` (the
// parser: json_field_parser.h).
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "config/quoted.h"
#include "config/yaml_reader.h"
#include "parse/canonical_setting.h"
#include "parse/format.h"
#include "parse/json_field_parser.h"

namespace sdx {
namespace {

constexpr std::array<std::string_view, 9> kFieldKeys = {"errcode", "sub_errcode", "errmsg",
                                                        "domain",  "app",         "appid",
                                                        "stream",  "time",        "push_duration"};
constexpr std::array<std::string_view, 2> kRuleKeys = {"field", "equals"};
// The fields besides errcode, which is required.
constexpr std::pair<std::string_view, std::optional<JsonPointer> JsonFieldMap::*>
    kOptionalFields[] = {{"sub_errcode", &JsonFieldMap::sub_errcode},
                         {"errmsg", &JsonFieldMap::errmsg},
                         {"domain", &JsonFieldMap::domain},
                         {"app", &JsonFieldMap::app},
                         {"appid", &JsonFieldMap::appid},
                         {"stream", &JsonFieldMap::stream},
                         {"time", &JsonFieldMap::time},
                         {"push_duration", &JsonFieldMap::push_duration}};

JsonPointer read_pointer(const YamlReader& reader, const Value& value) {
  const std::string text = reader.string(value);
  std::string error;
  std::optional<JsonPointer> pointer = JsonPointer::parse(text, error);
  if (!pointer) {
    reader.fail(value,
                value.what + " is not a valid JSON pointer (" + sdx::quoted(text) + "): " + error);
  }
  return std::move(*pointer);
}

// VALUE as the text JsonMatch compares: equal texts must behave alike, so
// numbers are written in one spelling (18, 1.5, 1000 for 1e3).
std::string read_equals(const YamlReader& reader, const Value& value) {
  const std::string expected = " must be a string, number or boolean, got ";
  if (value.node.IsNull()) reader.fail(value, value.what + " has no value");
  if (!value.node.IsScalar()) reader.fail(value, value.what + expected + reader.describe(value));
  switch (reader.kind(value)) {
    case ScalarKind::string:
      return value.node.Scalar();
    case ScalarKind::integer:
      return std::to_string(reader.integer(value));
    case ScalarKind::boolean: {
      const char first = value.node.Scalar().front();
      return first == 't' || first == 'T' ? "true" : "false";
    }
    case ScalarKind::floating: {
      std::string_view text = value.node.Scalar();
      if (text.starts_with('+')) text.remove_prefix(1);
      double number = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(number)) {
        reader.fail(value, value.what + " must be a finite number, got " + value.node.Scalar());
      }
      std::array<char, 32> buffer{};
      const auto written = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
      return std::string(buffer.data(), written.ptr);
    }
    case ScalarKind::null:
      break;
  }
  reader.fail(value, value.what + expected + reader.describe(value));
}

JsonMatch read_rule(const YamlReader& reader, const Value& value) {
  const MapFields rule = reader.fields(value, "in " + value.what);
  rule.refuse_unknown(kRuleKeys);
  JsonPointer field = read_pointer(reader, rule.require("field"));
  return JsonMatch(std::move(field), read_equals(reader, rule.require("equals")));
}

class JsonFormatSpec final : public FormatSpec {
 public:
  explicit JsonFormatSpec(std::shared_ptr<const JsonFieldMap> map) : map_(std::move(map)) {}

  std::string canonical() const override {
    const JsonFieldMap& map = *map_;
    std::string out = "json";
    append_setting(out, "errcode", map.errcode.text());
    for (const auto& [key, member] : kOptionalFields) {
      if (map.*member) append_setting(out, key, (map.*member)->text());
    }
    for (const auto& [key, rule] :
         {std::pair{"push", &map.push}, std::pair{"filter", &map.filter}}) {
      if (!*rule) continue;
      append_setting(out, std::string(key) + ".field", (*rule)->field().text());
      append_setting(out, std::string(key) + ".equals", (*rule)->equals());
    }
    return out;
  }

  std::unique_ptr<LineParser> make_parser(DimensionFields fields) const override {
    return std::make_unique<JsonFieldParser>(map_, fields);
  }

 private:
  std::shared_ptr<const JsonFieldMap> map_;
};

std::shared_ptr<const FormatSpec> read_json(const YamlReader& reader, const MapFields& source) {
  auto map = std::make_shared<JsonFieldMap>();
  // Every independent mistake is reported in one pass (reader.attempt).
  const Value* value = nullptr;
  bool ok = reader.attempt([&] { value = &source.require("fields"); });
  std::optional<MapFields> fields;
  if (value != nullptr) {
    ok &= reader.attempt([&] { fields = reader.fields(*value, "in " + value->what); });
  }
  if (fields) {
    ok &= reader.attempt([&] { fields->refuse_unknown(kFieldKeys); });
    ok &= reader.attempt([&] { map->errcode = read_pointer(reader, fields->require("errcode")); });
    for (const auto& [key, member] : kOptionalFields) {
      if (const Value* field = fields->find(key)) {
        ok &= reader.attempt([&] { (*map).*member = read_pointer(reader, *field); });
      }
    }
  }
  for (const auto& [key, rule] :
       {std::pair{"push", &map->push}, std::pair{"filter", &map->filter}}) {
    if (const Value* rule_value = source.find(key)) {
      ok &= reader.attempt([&] { *rule = read_rule(reader, *rule_value); });
    }
  }
  if (!ok) return nullptr;
  return std::make_shared<JsonFormatSpec>(std::move(map));
}

}  // namespace

extern const FormatFactory kJsonFormat{"json", {"fields", "filter", "push"}, read_json};

}  // namespace sdx
