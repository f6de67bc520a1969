#include "config/config_loader.h"

#include <optional>
#include <string>

#include <catch2/catch.hpp>

namespace sdx {
namespace {

using Catch::Contains;
using std::chrono::milliseconds;

// A valid sources list, for tests about other keys.
constexpr std::string_view kSources =
    "sources:\n"
    "  - {name: a, type: file, paths: [a.log]}\n";

std::vector<std::string> all_errors_of(std::string_view yaml) {
  try {
    load_config_string(yaml, "config.yaml");
  } catch (const ConfigErrors& e) {
    std::vector<std::string> out;
    for (const auto& error : e.errors()) out.emplace_back(error.what());
    return out;
  }
  return {};
}

std::string identity_of(std::initializer_list<std::string_view> paths) {
  std::string identity = "file";
  for (auto path : paths) identity += "\n" + std::string(path);
  return identity;
}

// The error at line:column of a refused config (others may be reported too).
std::optional<ConfigError> error_at(std::string_view yaml, int line, int column) {
  try {
    load_config_string(yaml, "config.yaml");
  } catch (const ConfigErrors& e) {
    for (const auto& error : e.errors()) {
      if (error.line() == line && error.column() == column) return error;
    }
    FAIL("no error at " << line << ":" << column << "; errors:\n" << e.what());
  }
  return std::nullopt;
}

// Asserts the config is refused at line:column with a reason holding every part.
void require_error(std::string_view yaml, int line, int column,
                   std::initializer_list<std::string_view> parts) {
  INFO("config:\n" << yaml);
  const std::optional<ConfigError> error = error_at(yaml, line, column);
  REQUIRE(error);
  INFO("error: " << error->what());
  CHECK(error->file() == "config.yaml");
  CHECK(error->line() == line);
  CHECK(error->column() == column);
  for (std::string_view part : parts) CHECK_THAT(error->reason(), Contains(std::string(part)));
  CHECK(std::string(error->what()) == "config.yaml:" + std::to_string(line) + ":" +
                                          std::to_string(column) + ": " + error->reason());
}

std::string with_sources(std::string_view top) { return std::string(top) + std::string(kSources); }

TEST_CASE("a full config loads with every value", "[config]") {
  const Config config = load_config_string(
      "state_file: /var/lib/sdx/state.json\n"
      "labels: [domain, app, stream]\n"
      "max_label_sets: 250\n"
      "checkpoint_interval: 1m30s\n"
      "poll_interval: 100ms\n"
      "max_line_bytes: 64KiB\n"
      "sources:\n"
      "  - name: callbacks-log\n"
      "    type: file\n"
      "    paths: [\"/var/log/live/callbacks-*.jsonl\", /var/log/live/old.jsonl]\n"
      "    format: tencent_callback\n"
      "    start_at: end\n"
      "  - name: second\n"
      "    type: file\n"
      "    paths: /var/log/other.jsonl\n"
      "codes:\n"
      "  - {errcode: 40, sub_errcode: 0, category: protocol_error, reason: bad_codec,\n"
      "     message_en: \"Unsupported codec\", message_zh: \"编码不支持\"}\n"
      "  - errcode: 18\n"
      "    sub_errcode: 700\n"
      "    category: auth\n"
      "    reason: new_auth_rule\n"
      "    aliases: [\"auth rule v2 failed\", 'rule v2']\n",
      "full.yaml");
  CHECK(config.path == "full.yaml");
  CHECK(config.state_file == "/var/lib/sdx/state.json");
  CHECK(config.labels ==
        std::vector<Dimension>{Dimension::domain, Dimension::app, Dimension::stream});
  CHECK(config.max_label_sets == 250);
  CHECK(config.checkpoint_interval == milliseconds(90'000));
  CHECK(config.poll_interval == milliseconds(100));
  CHECK(config.max_line_bytes == 65536);
  REQUIRE(config.sources.size() == 2);
  const SourceConfig& first = config.sources[0];
  CHECK(first.name == "callbacks-log");
  CHECK(first.type == "file");
  CHECK(first.format == "tencent_callback");
  CHECK(first.identity() ==
        identity_of({"/var/log/live/callbacks-*.jsonl", "/var/log/live/old.jsonl"}));
  CHECK_THAT(first.canonical(), Catch::Contains("\nend\n"));
  CHECK(config.sources[1].name == "second");
  CHECK(config.sources[1].identity() == identity_of({"/var/log/other.jsonl"}));
  CHECK_THAT(config.sources[1].canonical(), Catch::Contains("\nbeginning\n"));
  REQUIRE(config.codes.size() == 2);
  const CodeEntry& codec = config.codes[0];
  CHECK(codec.errcode == 40);
  CHECK(codec.sub_errcode == 0);
  CHECK(codec.category == Category::protocol_error);
  CHECK(codec.reason == "bad_codec");
  CHECK(codec.message_en == "Unsupported codec");
  CHECK(codec.message_zh == "编码不支持");
  CHECK(codec.message_aliases.empty());
  const CodeEntry& rule = config.codes[1];
  CHECK(rule.errcode == 18);
  CHECK(rule.sub_errcode == 700);
  CHECK(rule.category == Category::auth);
  CHECK(rule.reason == "new_auth_rule");
  CHECK(rule.message_en.empty());
  CHECK(rule.message_aliases == std::vector<std::string>{"auth rule v2 failed", "rule v2"});
}

TEST_CASE("a minimal config gets the defaults", "[config]") {
  const Config config = load_config_string(kSources, "config.yaml");
  CHECK(config.path == "config.yaml");
  CHECK(config.state_file.empty());
  CHECK(config.labels.empty());
  CHECK(config.max_label_sets == 1000);
  CHECK(config.checkpoint_interval == milliseconds(5000));
  CHECK(config.poll_interval == milliseconds(250));
  CHECK(config.max_line_bytes == 1048576);
  REQUIRE(config.sources.size() == 1);
  CHECK(config.sources[0].name == "a");
  CHECK(config.sources[0].type == "file");
  CHECK(config.sources[0].format == "tencent_callback");
  CHECK_THAT(config.sources[0].canonical(), Catch::Contains("\nbeginning\n"));
  CHECK(config.codes.empty());
}

TEST_CASE("values are kept as written", "[config]") {
  const Config config = load_config_string(with_sources("state_file: state/sdx.json\n"
                                                        "max_line_bytes: 2048\n"
                                                        "labels: []\n"
                                                        "codes:\n"),
                                           "config.yaml");
  CHECK(config.state_file == "state/sdx.json");  // relative: resolved by whoever opens it
  CHECK(config.max_line_bytes == 2048);
  CHECK(config.labels.empty());
  CHECK(config.codes.empty());
  CHECK(load_config_string(with_sources("state_file: ''\n"), "c").state_file.empty());
}

TEST_CASE("the error message format is FILE:LINE:COLUMN: reason", "[config]") {
  const std::optional<ConfigError> error = error_at(
      "state_file: /tmp/state.json\n"
      "labels: [domain]\n"
      "sources:\n"
      "  - name: callbacks-log\n"
      "    type: file\n"
      "    format: tencent_callback\n"
      "    pathz: [\"/var/log/live/*.jsonl\"]\n",
      7, 5);
  REQUIRE(error);
  CHECK(std::string(error->what()) ==
        "config.yaml:7:5: unknown key \"pathz\" in source \"callbacks-log\" (expected one of: "
        "name, type, format, paths, start_at, max_open_files)");
}

TEST_CASE("unknown keys are refused at every level", "[config]") {
  require_error(with_sources("state_file: /tmp/s.json\n"
                             "statefile: /tmp/s.json\n"),
                2, 1, {"unknown key \"statefile\"", "expected one of: state_file, labels"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: [a.log]\n"
      "    listen: \":9877\"\n",
      5, 5, {"unknown key \"listen\" in source \"a\""});
  require_error(
      "sources:\n"
      "  - {type: file, paths: [a.log], colour: red}\n",
      2, 34, {"unknown key \"colour\" in source #1"});
  require_error(with_sources("codes:\n"
                             "  - errcode: 40\n"
                             "    category: network\n"
                             "    reason: x\n"
                             "    message: nope\n"),
                5, 5,
                {"unknown key \"message\" in codes entry #1",
                 "expected one of: errcode, sub_errcode, category, reason, message_en, "
                 "message_zh, aliases"});
}

TEST_CASE("keys given twice are refused at the second", "[config]") {
  require_error(with_sources("max_label_sets: 5\n"
                             "max_label_sets: 6\n"),
                2, 1, {"key \"max_label_sets\" is given twice"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: [a.log]\n"
      "    paths: [b.log]\n",
      5, 5, {"key \"paths\" is given twice in source \"a\""});
}

TEST_CASE("missing required keys are refused at their map", "[config]") {
  require_error("state_file: /tmp/s.json\n", 1, 1, {"missing required key \"sources\""});
  require_error(
      "sources:\n"
      "  - type: file\n"
      "    paths: [a.log]\n",
      2, 5, {"missing required key \"name\" in source #1"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: [a.log]\n"
      "  - name: b\n"
      "    paths: [b.log]\n",
      5, 5, {"missing required key \"type\" in source \"b\""});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n",
      2, 5, {"missing required key \"paths\" in source \"a\""});
  require_error(with_sources("codes:\n"
                             "  - {category: network, reason: x}\n"),
                2, 5, {"missing required key \"errcode\" in codes entry #1"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, reason: x}\n"),
                2, 5, {"missing required key \"category\" in codes entry #1"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, category: network}\n"),
                2, 5, {"missing required key \"reason\" in codes entry #1"});
}

TEST_CASE("values of the wrong type are refused at the value", "[config]") {
  require_error(with_sources("max_label_sets: abc\n"), 1, 17,
                {"\"max_label_sets\" must be an integer, got the string \"abc\""});
  require_error(with_sources("max_label_sets: \"1000\"\n"), 1, 17,
                {"\"max_label_sets\" must be an integer"});
  require_error(with_sources("max_label_sets: 1.5\n"), 1, 17,
                {"\"max_label_sets\" must be an integer, got the number 1.5"});
  require_error(with_sources("state_file: [a]\n"), 1, 13,
                {"\"state_file\" must be a string, got a list"});
  require_error(with_sources("state_file: 5\n"), 1, 13,
                {"\"state_file\" must be a string, got the integer 5", "quote it"});
  require_error(with_sources("labels: domain\n"), 1, 9, {"\"labels\" must be a list"});
  require_error("sources: {name: a}\n", 1, 10,
                {"\"sources\" must be a list of sources, got a map"});
  require_error("sources: [a.log]\n", 1, 11, {"source #1 must be a map, got the string \"a.log\""});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: 5\n",
      4, 12, {"\"paths\" in source \"a\" must be a list of paths, got the integer 5"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: {x: 1}\n",
      4, 12, {"\"paths\" in source \"a\" must be a list of paths, got a map"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: [a.log, 7]\n",
      4, 20, {"item 2 of \"paths\" in source \"a\" must be a string, got the integer 7"});
  require_error(
      "sources:\n"
      "  - name: [a]\n"
      "    type: file\n"
      "    paths: [a.log]\n",
      2, 11, {"\"name\" in source #1 must be a string, got a list"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: x, category: network, reason: r}\n"),
                2, 15, {"\"errcode\" in codes entry #1 must be an integer"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 0x28, category: network, reason: r}\n"),
                2, 15, {"\"errcode\" in codes entry #1 must be a decimal integer"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, sub_errcode: [1], category: network, reason: r}\n"),
                2, 32, {"\"sub_errcode\" in codes entry #1 must be an integer, got a list"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, category: network, reason: r, aliases: x}\n"),
                2, 58, {"\"aliases\" in codes entry #1 must be a list"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, category: network, reason: r, message_en: 5}\n"),
                2, 61, {"\"message_en\" in codes entry #1 must be a string"});
  require_error(with_sources("codes: 40\n"), 1, 8, {"\"codes\" must be a list"});
  require_error(with_sources("codes: [40]\n"), 1, 9,
                {"codes entry #1 must be a map, got the integer 40"});
}

TEST_CASE("empty values are refused at their key", "[config]") {
  require_error(with_sources("state_file:\n"), 1, 1, {"\"state_file\" has no value"});
  require_error(with_sources("max_label_sets: ~\n"), 1, 1, {"\"max_label_sets\" has no value"});
  require_error(with_sources("poll_interval:\n"), 1, 1, {"\"poll_interval\" has no value"});
  require_error("sources:\n", 1, 1, {"\"sources\" must list at least one source"});
  require_error("sources: []\n", 1, 10, {"\"sources\" must list at least one source"});
}

TEST_CASE("duplicate source names are refused at the second", "[config]") {
  require_error(
      "sources:\n"
      "  - name: logs\n"
      "    type: file\n"
      "    paths: [a.log]\n"
      "  - name: logs\n"
      "    type: file\n"
      "    paths: [b.log]\n",
      5, 11, {"duplicate source name \"logs\"", "line 2"});
}

TEST_CASE("invalid values are refused at the value", "[config]") {
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: [a.log]\n"
      "    start_at: middle\n",
      5, 15, {"\"start_at\" in source \"a\" must be \"beginning\" or \"end\", got \"middle\""});
  require_error(
      "sources:\n"
      "  - name: ''\n"
      "    type: file\n"
      "    paths: [a.log]\n",
      2, 11, {"\"name\" in source #1 cannot be empty"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: []\n",
      4, 12, {"\"paths\" in source \"a\" must list at least one path"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: [a.log, '']\n",
      4, 20, {"item 2 of \"paths\" in source \"a\" is an empty path"});
  require_error(with_sources("labels: [domain, hostname]\n"), 1, 18,
                {"unknown label \"hostname\" in \"labels\"",
                 "expected one of: source, domain, app, appid, stream"});
  require_error(with_sources("labels:\n"
                             "  - domain\n"
                             "  - app\n"
                             "  - domain\n"),
                4, 5, {"label \"domain\" is listed twice in \"labels\""});
  require_error(with_sources("max_label_sets: 0\n"), 1, 17,
                {"\"max_label_sets\" must be at least 1, got 0"});
  require_error(with_sources("max_label_sets: -3\n"), 1, 17,
                {"\"max_label_sets\" must be at least 1"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, category: codec, reason: r}\n"),
                2, 29,
                {"unknown category \"codec\" in codes entry #1", "client_closed", "unknown;"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, category: network, reason: Bad Codec}\n"),
                2, 46, {"\"reason\" in codes entry #1 must be a snake_case slug", "\"Bad Codec\""});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, category: network, reason: bad-codec}\n"),
                2, 46, {"\"reason\" in codes entry #1 must be a snake_case slug"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, category: network, reason: r, aliases: ['']}\n"),
                2, 59, {"item 1 of \"aliases\" in codes entry #1 is empty"});
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, category: network, reason: a}\n"
                             "  - {errcode: 41, category: network, reason: b}\n"
                             "  - {errcode: 40, sub_errcode: 0, category: idle, reason: c}\n"),
                4, 5, {"code 40/0 is listed twice in \"codes\"", "line 2"});
}

TEST_CASE("durations are validated", "[config]") {
  require_error(with_sources("checkpoint_interval: 5\n"), 1, 22,
                {"invalid \"checkpoint_interval\"", "has no unit"});
  require_error(with_sources("poll_interval: 5x\n"), 1, 16,
                {"invalid \"poll_interval\"", "unknown unit \"x\""});
  require_error(with_sources("poll_interval: 0ms\n"), 1, 16,
                {"invalid \"poll_interval\"", "longer than zero"});
  require_error(with_sources("checkpoint_interval: [5s]\n"), 1, 22,
                {"\"checkpoint_interval\" must be a duration", "got a list"});
  require_error(with_sources("checkpoint_interval: 3000000h\n"), 1, 22,
                {"\"checkpoint_interval\" must be between 100ms and 24h, got 3000000h"});
  require_error(with_sources("checkpoint_interval: 10ms\n"), 1, 22, {"must be between 100ms"});
  require_error(with_sources("poll_interval: 25h\n"), 1, 16,
                {"\"poll_interval\" must be between 10ms and 24h"});
}

TEST_CASE("max_line_bytes is a size of at least 1KiB", "[config]") {
  CHECK(load_config_string(with_sources("max_line_bytes: 1024\n"), "c").max_line_bytes == 1024);
  CHECK(load_config_string(with_sources("max_line_bytes: \"4 MiB\"\n"), "c").max_line_bytes ==
        4 * 1048576);
  require_error(with_sources("max_line_bytes: 1023\n"), 1, 17,
                {"\"max_line_bytes\" must be between 1KiB (1024) and 1GiB, got 1023"});
  require_error(with_sources("max_line_bytes: 2GiB\n"), 1, 17,
                {"\"max_line_bytes\" must be between"});
  require_error(with_sources("max_line_bytes: 1MB\n"), 1, 17,
                {"invalid \"max_line_bytes\"", "unknown unit \"MB\""});
  require_error(with_sources("max_line_bytes: lots\n"), 1, 17,
                {"invalid \"max_line_bytes\"", "not a size"});
}

TEST_CASE("unknown source types and formats are refused, not ignored", "[config]") {
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: filez\n"
      "    paths: [a.log]\n",
      3, 11, {"unknown source type \"filez\" in source \"a\""});
  require_error(
      "sources:\n"
      "  - name: gateway\n"
      "    type: file\n"
      "    paths: [a.log]\n"
      "    format: protobuf\n",
      5, 13, {"unknown source format \"protobuf\" in source \"gateway\"", "tencent_callback"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: [a.log]\n"
      "    format: csv\n",
      5, 13, {"unknown source format \"csv\" in source \"a\""});
}

TEST_CASE("documents that are not a config map are refused", "[config]") {
  require_error("", 1, 1, {"the config is empty"});
  require_error("# only a comment\n", 1, 1, {"the config is empty"});
  require_error("~\n", 1, 1, {"the config is empty"});
  require_error("- a\n- b\n", 1, 1, {"the config must be a map", "got a list"});
  require_error("hello\n", 1, 1, {"the config must be a map", "got the string \"hello\""});
  require_error(with_sources("") + "---\nsources: []\n", 4, 1, {"one YAML document"});
  CHECK(load_config_string(with_sources("") + "---\n", "c").sources.size() == 1);
}

TEST_CASE("YAML syntax errors carry their position", "[config]") {
  require_error(
      "state_file: /tmp/s.json\n"
      "sources:\n"
      "  - name: a: b\n",
      3, 12, {"invalid YAML"});
  require_error(
      "labels: [domain\n"
      "sources: []\n",
      2, 8, {"invalid YAML", "end of sequence flow not found"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "\ttype: file\n",
      3, 1, {"invalid YAML"});
}

TEST_CASE("YAML structure errors get an indentation hint at the right line", "[config]") {
  // A key one space left of its siblings: the line yaml-cpp stops at is named.
  require_error(
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "   paths: [x]\n",
      4, 4, {"end of sequence not found", "check the indentation of line 4", "tabs"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "  type: file\n",
      3, 3, {"end of map not found", "check the indentation of line 3"});
  // A tab-indented line is named as such.
  require_error(
      "sources:\n"
      "\t- name: a\n",
      2, 2, {"illegal block entry", "line 2 is indented with a tab"});
  require_error(
      "sources:\n"
      "  - name: a\n"
      "\ttype: file\n",
      3, 1, {"line 3 is indented with a tab: YAML indents with spaces only"});
  // Not a structure error: no hint.
  const auto flow = error_at("labels: [domain\nsources: []\n", 2, 8);
  REQUIRE(flow);
  CHECK_THAT(flow->reason(), !Contains("indentation"));
}

TEST_CASE("load_config_file reads the file and names it in errors", "[config]") {
  const std::string missing = "/nonexistent/sdx/config.yaml";
  try {
    load_config_file(missing);
    FAIL("no error");
  } catch (const ConfigReadError& e) {
    CHECK(std::string(e.what()) ==
          "cannot read config file " + missing + ": No such file or directory");
  }
  CHECK_THROWS_WITH(load_config_file(SDX_SOURCE_DIR "/examples"),
                    Catch::EndsWith("/examples: Is a directory"));
}

TEST_CASE("examples/config.yaml loads", "[config]") {
  const std::string path = SDX_SOURCE_DIR "/examples/config.yaml";
  const Config config = load_config_file(path);
  CHECK(config.path == path);
  CHECK(config.state_file == "/tmp/stream_disconnect_exporter/state.json");
  REQUIRE(config.sources.size() == 1);
  CHECK(config.sources[0].name == "callbacks-log");
  CHECK(config.sources[0].type == "file");
  CHECK(config.sources[0].format == "tencent_callback");
  CHECK(config.sources[0].identity() == identity_of({"examples/callbacks.jsonl"}));
}

TEST_CASE("every error is reported, in file order, not only the first", "[config]") {
  const std::vector<std::string> errors = all_errors_of(
      "statefile: /tmp/s.json\n"
      "max_label_sets: 0\n"
      "sources:\n"
      "  - name: a\n"
      "    type: file\n"
      "    paths: [a.log]\n"
      "    start_at: middle\n"
      "  - name: a\n"
      "    type: file\n"
      "  - name: c\n"
      "    type: kafka\n"
      "categories: [transcoding, auth]\n"
      "codes:\n"
      "  - {errcode: 40, category: nope, reason: x}\n"
      "  - {errcode: 41, category: transcoding, reason: Bad}\n");
  CHECK(errors == std::vector<std::string>{
                      "config.yaml:1:1: unknown key \"statefile\" (expected one of: state_file, "
                      "labels, max_label_sets, checkpoint_interval, checkpoint_min_interval, "
                      "poll_interval, "
                      "max_line_bytes, sources, categories, codes)",
                      "config.yaml:2:17: \"max_label_sets\" must be at least 1, got 0",
                      "config.yaml:7:15: \"start_at\" in source \"a\" must be \"beginning\" or "
                      "\"end\", got \"middle\"",
                      "config.yaml:8:5: missing required key \"paths\" in source \"a\"",
                      "config.yaml:8:11: duplicate source name \"a\" (first defined at line 4)",
                      "config.yaml:11:11: unknown source type \"kafka\" in source \"c\" "
                      "(expected one of: file, tencent_api, webhook)",
                      "config.yaml:12:27: category \"auth\" is built in; declare only new ones",
                      "config.yaml:14:29: unknown category \"nope\" in codes entry #1 (expected "
                      "one of: client_closed, network, idle, protocol_error, media_limit, "
                      "internal_error, proxy_command, account, arrears, push_url_invalid, "
                      "banned, ip_acl, auth, quota, api_request, replaced, push_rejected, "
                      "stream_control, unknown, transcoding; declare new ones under "
                      "\"categories\")",
                      "config.yaml:15:50: \"reason\" in codes entry #2 must be a snake_case slug "
                      "like \"bad_codec\", got \"Bad\""});
}

TEST_CASE("declared categories are usable in codes; undeclared ones are refused", "[config]") {
  const Config config = load_config_string(
      with_sources("categories: [transcoding]\n"
                   "codes:\n"
                   "  - {errcode: 40, category: transcoding, reason: bad_codec}\n"),
      "config.yaml");
  REQUIRE(config.categories == std::vector<std::string>{"transcoding"});
  REQUIRE(config.codes.size() == 1);
  CHECK(static_cast<size_t>(config.codes[0].category) == kCategoryCount);
  require_error(with_sources("codes:\n"
                             "  - {errcode: 40, category: transcoding, reason: bad_codec}\n"),
                2, 29, {"unknown category \"transcoding\"", "declare new ones"});
  require_error(with_sources("categories: [transcoding, transcoding]\n"), 1, 27,
                {"declared twice"});
  require_error(with_sources("categories: [Transcoding]\n"), 1, 14, {"snake_case slug"});
}

}  // namespace
}  // namespace sdx
