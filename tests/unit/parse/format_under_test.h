#pragma once
// Test helper for the format factories: a one-source config of a format,
// loaded through the real config loader, and a parser that reads lines as
// a source does.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_loader.h"
#include "padded_line.h"
#include "parse/format.h"

namespace sdx::test {

// A file source named `name` (reading name.log) with `format:` and its keys.
inline std::string format_source_yaml(std::string_view format, std::string_view name,
                                      std::string_view format_keys) {
  return "sources:\n  - name: " + std::string(name) + "\n    type: file\n    paths: [" +
         std::string(name) + ".log]\n    format: " + std::string(format) + "\n" +
         std::string(format_keys);
}

inline std::shared_ptr<const FormatSpec> format_spec_of(const std::string& yaml) {
  const Config config = load_config_string(yaml, "test.yaml");
  REQUIRE(config.sources.size() == 1);
  REQUIRE(config.sources[0].format_spec);
  return config.sources[0].format_spec;
}

inline std::vector<ConfigError> format_errors_of(const std::string& yaml) {
  try {
    load_config_string(yaml, "test.yaml");
  } catch (const ConfigErrors& e) {
    return e.errors();
  }
  FAIL("the config was accepted");
  return {};
}

// "line:column: reason" of each error, to compare whole messages.
inline std::vector<std::string> format_messages_of(const std::string& yaml) {
  std::vector<std::string> out;
  for (const ConfigError& e : format_errors_of(yaml)) {
    out.push_back(std::to_string(e.line()) + ":" + std::to_string(e.column()) + ": " + e.reason());
  }
  return out;
}

// Parses lines as a source does: the last line stays alive until the next.
class FormatLines {
 public:
  FormatLines(const std::string& yaml, DimensionFields fields)
      : parser_(format_spec_of(yaml)->make_parser(fields)) {}
  ParseError parse(std::string_view text) {
    line_ = std::make_unique<PaddedLine>(text);
    event = Event{};
    // parse must reset what it does not set
    event.errcode = -1;
    event.domain = "stale";
    event.stream = "stale";
    return parser_->parse(line_->view(), event);
  }
  Event event;

 private:
  std::unique_ptr<LineParser> parser_;
  std::unique_ptr<PaddedLine> line_;
};

}  // namespace sdx::test
