#pragma once
// Typed, position-aware reading of yaml-cpp nodes for the config loader.
// yaml-cpp keeps every scalar as text; this resolves scalars with the YAML 1.2
// core schema (so `paths: 5` is an integer, not a path) and turns every
// problem into a ConfigError pointing at the offending node.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config_loader.h"

namespace sdx {

enum class ScalarKind { null, boolean, integer, floating, string };

// A node to read, how messages name it and where they point.
struct Value {
  YAML::Node node;
  std::string what;  // e.g. "\"paths\" in source \"callbacks-log\""
  // The value's position, or its key's when the value is empty: yaml-cpp
  // places an empty value at the next token, often on the next line.
  YAML::Mark mark;
};

class YamlReader;

// The keys of one map, each checked to be a string given only once.
class MapFields {
 public:
  const Value* find(std::string_view key) const;
  // Throws "missing required key" at the map when absent.
  const Value& require(std::string_view key) const;
  // Throws at the first key not in `allowed`, listing them.
  void refuse_unknown(std::span<const std::string_view> allowed) const;

 private:
  friend class YamlReader;
  struct Field {
    std::string key;
    YAML::Mark key_mark;
    Value value;
  };
  const YamlReader* reader_ = nullptr;
  YAML::Mark map_mark_;
  std::string context_;  // e.g. "in source \"x\"", empty at the top level
  std::vector<Field> fields_;
};

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Mark& mark, std::string reason) const;
  [[noreturn]] void fail(const Value& value, std::string reason) const {
    fail(value.mark, std::move(reason));
  }

  // Of a scalar (anything else is null). Throws on a tag other than the core
  // schema's.
  ScalarKind kind(const Value& value) const;
  // Short description for messages: `the integer 5`, `the string "x"`, `a list`.
  std::string describe(const Value& value) const;

  std::string string(const Value& value) const;
  int64_t integer(const Value& value) const;
  // Items of a list; an empty value is an empty list.
  std::vector<Value> list(const Value& value) const;
  // `context` names the map in messages ("in source \"x\""); empty at the top.
  MapFields fields(const Value& value, std::string context) const;

  // Runs `read`; a ConfigError it throws is kept (see errors()) instead of
  // ending the load, so one pass reports every independent mistake. False
  // when it failed.
  template <typename Read>
  bool attempt(Read&& read) const {
    try {
      read();
      return true;
    } catch (const ConfigError& error) {
      errors_.push_back(error);
      return false;
    }
  }
  const std::vector<ConfigError>& errors() const { return errors_; }

 private:
  std::string file_;
  mutable std::vector<ConfigError> errors_;
};

}  // namespace sdx
