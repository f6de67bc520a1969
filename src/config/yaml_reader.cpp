#include "config/yaml_reader.h"
#include "config/quoted.h"

#include <charconv>
#include <string_view>

namespace sdx {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Advances `i` over a run of characters for which `pred` holds; its length.
size_t skip(std::string_view text, size_t& i, bool (*pred)(char)) {
  const size_t start = i;
  while (i < text.size() && pred(text[i])) ++i;
  return i - start;
}

bool all_of(std::string_view text, bool (*pred)(char)) {
  size_t i = 0;
  return skip(text, i, pred) > 0 && i == text.size();
}

std::string_view without_sign(std::string_view text) {
  if (text.starts_with('-') || text.starts_with('+')) text.remove_prefix(1);
  return text;
}

// [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
bool is_integer(std::string_view text) {
  if (text.starts_with("0o")) return all_of(text.substr(2), is_octal);
  if (text.starts_with("0x")) return all_of(text.substr(2), is_hex);
  return all_of(without_sign(text), is_digit);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
bool is_float(std::string_view text) {
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return true;
  text = without_sign(text);
  if (text == ".inf" || text == ".Inf" || text == ".INF") return true;
  size_t i = 0;
  if (text.starts_with('.')) {
    ++i;
    if (skip(text, i, is_digit) == 0) return false;
  } else {
    if (skip(text, i, is_digit) == 0) return false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      skip(text, i, is_digit);
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    return all_of(without_sign(text.substr(i + 1)), is_digit);
  }
  return i == text.size();
}

// Plain (unquoted, untagged) scalars resolved as the YAML 1.2 core schema
// says. Matched by hand: std::regex recurses once per character, and a long
// scalar (a 50 KB number) overflowed the stack.
ScalarKind resolve_plain(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE" || text == "false" || text == "False" ||
      text == "FALSE") {
    return ScalarKind::boolean;
  }
  if (is_integer(text)) return ScalarKind::integer;
  if (is_float(text)) return ScalarKind::floating;
  return ScalarKind::string;
}

}  // namespace

void YamlReader::fail(const YAML::Mark& mark, std::string reason) const {
  // A null mark (no position known) stays 0:0 rather than pointing somewhere wrong.
  const int line = mark.is_null() ? 0 : mark.line + 1;
  const int column = mark.is_null() ? 0 : mark.column + 1;
  throw ConfigError(file_, line, column, std::move(reason));
}

ScalarKind YamlReader::kind(const Value& value) const {
  const YAML::Node& node = value.node;
  if (!node.IsScalar()) return ScalarKind::null;
  const std::string& tag = node.Tag();
  if (tag == "?") return resolve_plain(node.Scalar());
  // "!" is what yaml-cpp gives quoted and block scalars.
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return ScalarKind::string;
  if (tag == "tag:yaml.org,2002:int") return ScalarKind::integer;
  if (tag == "tag:yaml.org,2002:float") return ScalarKind::floating;
  if (tag == "tag:yaml.org,2002:bool") return ScalarKind::boolean;
  if (tag == "tag:yaml.org,2002:null") return ScalarKind::null;
  fail(value, "unsupported YAML tag \"" + tag + "\" on " + value.what);
}

std::string YamlReader::describe(const Value& value) const {
  const YAML::Node& node = value.node;
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  switch (kind(value)) {
    case ScalarKind::null:
      return "nothing";
    case ScalarKind::boolean:
      return "the boolean " + node.Scalar();
    case ScalarKind::integer:
      return "the integer " + node.Scalar();
    case ScalarKind::floating:
      return "the number " + node.Scalar();
    case ScalarKind::string:
      break;
  }
  return "the string " + quoted(node.Scalar());
}

std::string YamlReader::string(const Value& value) const {
  if (value.node.IsNull()) fail(value, value.what + " has no value");
  if (!value.node.IsScalar()) fail(value, value.what + " must be a string, got " + describe(value));
  if (kind(value) != ScalarKind::string) {
    fail(value, value.what + " must be a string, got " + describe(value) +
                    " (quote it to use it as text)");
  }
  return value.node.Scalar();
}

int64_t YamlReader::integer(const Value& value) const {
  if (value.node.IsNull()) fail(value, value.what + " has no value");
  if (!value.node.IsScalar() || kind(value) != ScalarKind::integer) {
    fail(value, value.what + " must be an integer, got " + describe(value));
  }
  std::string_view text = value.node.Scalar();
  if (text.starts_with('+')) text.remove_prefix(1);
  int64_t result = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), result);
  if (ec == std::errc::result_out_of_range) {
    fail(value, value.what + " is out of range: " + value.node.Scalar());
  }
  if (ec != std::errc() || end != text.data() + text.size()) {
    fail(value, value.what + " must be a decimal integer, got " + value.node.Scalar());
  }
  return result;
}

std::vector<Value> YamlReader::list(const Value& value) const {
  std::vector<Value> items;
  if (value.node.IsNull()) return items;
  if (!value.node.IsSequence()) fail(value, value.what + " must be a list, got " + describe(value));
  for (const YAML::Node& item : value.node) {
    // An empty item ("- ") has no position of its own: point at the list.
    const YAML::Mark mark = item.IsNull() ? value.mark : item.Mark();
    items.push_back(
        Value{item, "item " + std::to_string(items.size() + 1) + " of " + value.what, mark});
  }
  return items;
}

MapFields YamlReader::fields(const Value& value, std::string context) const {
  if (!value.node.IsMap()) fail(value, value.what + " must be a map, got " + describe(value));
  MapFields fields;
  fields.reader_ = this;
  fields.map_mark_ = value.node.Mark();
  fields.context_ = std::move(context);
  const std::string in = fields.context_.empty() ? "" : " " + fields.context_;
  for (const auto& pair : value.node) {
    const YAML::Node key = pair.first;
    const Value key_value{key, "a key" + in, key.Mark()};
    if (!key.IsScalar() || kind(key_value) == ScalarKind::null) {
      fail(key_value, "keys must be strings, got " + describe(key_value) + in);
    }
    const std::string& name = key.Scalar();
    if (fields.find(name) != nullptr) fail(key.Mark(), "key \"" + name + "\" is given twice" + in);
    const YAML::Node node = pair.second;
    const YAML::Mark mark = node.IsNull() ? key.Mark() : node.Mark();
    fields.fields_.push_back({name, key.Mark(), Value{node, "\"" + name + "\"" + in, mark}});
  }
  return fields;
}

const Value* MapFields::find(std::string_view key) const {
  for (const Field& field : fields_) {
    if (field.key == key) return &field.value;
  }
  return nullptr;
}

const Value& MapFields::require(std::string_view key) const {
  const Value* value = find(key);
  if (value == nullptr) {
    reader_->fail(map_mark_, "missing required key \"" + std::string(key) + "\"" +
                                 (context_.empty() ? "" : " " + context_));
  }
  return *value;
}

void MapFields::refuse_unknown(std::span<const std::string_view> allowed) const {
  for (const Field& field : fields_) {
    bool known = false;
    for (std::string_view name : allowed) known = known || name == field.key;
    if (known) continue;
    std::string expected;
    for (std::string_view name : allowed) {
      if (!expected.empty()) expected += ", ";
      expected += name;
    }
    reader_->fail(field.key_mark, "unknown key \"" + field.key + "\"" +
                                      (context_.empty() ? "" : " " + context_) +
                                      " (expected one of: " + expected + ")");
  }
}

}  // namespace sdx
