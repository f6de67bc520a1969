#include "config/yaml_reader.h"

#include <catch2/catch.hpp>

namespace sdx {
namespace {

// The value of key `v` in a one-line YAML map.
Value value_of(const std::string& yaml) {
  const YAML::Node root = YAML::Load(yaml);
  return Value{root["v"], "\"v\"", root["v"].Mark()};
}

TEST_CASE("YamlReader resolves scalars with the YAML 1.2 core schema", "[config]") {
  const YamlReader reader("t.yaml");
  CHECK(reader.kind(value_of("v: 5")) == ScalarKind::integer);
  CHECK(reader.kind(value_of("v: -5")) == ScalarKind::integer);
  CHECK(reader.kind(value_of("v: 0x1F")) == ScalarKind::integer);
  CHECK(reader.kind(value_of("v: '5'")) == ScalarKind::string);
  CHECK(reader.kind(value_of("v: \"5\"")) == ScalarKind::string);
  CHECK(reader.kind(value_of("v: !!str 5")) == ScalarKind::string);
  CHECK(reader.kind(value_of("v: !!int '5'")) == ScalarKind::integer);
  CHECK(reader.kind(value_of("v: 1.5")) == ScalarKind::floating);
  CHECK(reader.kind(value_of("v: .inf")) == ScalarKind::floating);
  CHECK(reader.kind(value_of("v: true")) == ScalarKind::boolean);
  CHECK(reader.kind(value_of("v: yes")) == ScalarKind::string);  // YAML 1.1 only
  CHECK(reader.kind(value_of("v: ~")) == ScalarKind::null);
  CHECK(reader.kind(value_of("v:")) == ScalarKind::null);
  CHECK(reader.kind(value_of("v: 5s")) == ScalarKind::string);
  CHECK_THROWS_AS(reader.kind(value_of("v: !custom x")), ConfigError);
}

TEST_CASE("YamlReader describes what it got", "[config]") {
  const YamlReader reader("t.yaml");
  CHECK(reader.describe(value_of("v: 5")) == "the integer 5");
  CHECK(reader.describe(value_of("v: abc")) == "the string \"abc\"");
  CHECK(reader.describe(value_of("v: true")) == "the boolean true");
  CHECK(reader.describe(value_of("v: [a]")) == "a list");
  CHECK(reader.describe(value_of("v: {a: 1}")) == "a map");
  CHECK(reader.describe(value_of("v: ~")) == "nothing");
}

TEST_CASE("YamlReader reads typed values", "[config]") {
  const YamlReader reader("t.yaml");
  CHECK(reader.string(value_of("v: abc")) == "abc");
  CHECK(reader.string(value_of("v: '5'")) == "5");
  CHECK(reader.integer(value_of("v: 42")) == 42);
  CHECK(reader.integer(value_of("v: +42")) == 42);
  CHECK(reader.integer(value_of("v: -7")) == -7);
  CHECK_THROWS_WITH(reader.integer(value_of("v: 0x1F")),
                    Catch::Contains("\"v\" must be a decimal integer"));
  CHECK_THROWS_WITH(reader.integer(value_of("v: 99999999999999999999")),
                    Catch::Contains("\"v\" is out of range"));
  CHECK_THROWS_WITH(reader.integer(value_of("v: '5'")),
                    Catch::Contains("\"v\" must be an integer, got the string \"5\""));
  CHECK_THROWS_WITH(reader.string(value_of("v: 5")),
                    Catch::Contains("\"v\" must be a string, got the integer 5"));
  CHECK(reader.list(value_of("v:")).empty());
  CHECK(reader.list(value_of("v: [a, b]")).size() == 2);
  CHECK_THROWS_WITH(reader.list(value_of("v: a")), Catch::Contains("\"v\" must be a list"));
}

}  // namespace
}  // namespace sdx
