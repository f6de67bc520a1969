// format: json — the factory's keys and errors (through the config loader)
// and what its parser makes of lines.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "parse/format_under_test.h"
#include "parse/optional_field.h"

namespace sdx {
namespace {

std::string source_yaml(std::string_view format_keys) {
  return test::format_source_yaml("json", "gw", format_keys);
}

std::shared_ptr<const FormatSpec> spec_of(std::string_view format_keys) {
  return test::format_spec_of(source_yaml(format_keys));
}

struct Lines : test::FormatLines {
  explicit Lines(std::string_view format_keys, DimensionFields fields = DimensionFields::all())
      : FormatLines(source_yaml(format_keys), fields) {}
};

std::vector<std::string> messages_of(std::string_view format_keys) {
  return test::format_messages_of(source_yaml(format_keys));
}

constexpr std::string_view kGateway =
    "    fields:\n"
    "      errcode: /data/code\n"
    "      sub_errcode: /data/sub\n"
    "      errmsg: /data/msg\n"
    "      domain: /data/host\n"
    "      app: /data/app\n"
    "      appid: /data/appid\n"
    "      stream: /data/stream\n"
    "      time: /ts\n"
    "    push: {field: /kind, equals: stream_start}\n"
    "    filter: {field: /kind, equals: stream_end}\n";

}  // namespace

TEST_CASE("json format: every field through its pointer", "[parse][json_format]") {
  Lines lines(kGateway);
  REQUIRE(
      lines.parse(
          R"({"ts":1715510025,"kind":"stream_end","data":{"code":18,"sub":"202","msg":"arrears","host":"push.example.com","app":"live","appid":1250000,"stream":"room_1"}})") ==
      ParseError::none);
  const Event& e = lines.event;
  CHECK(e.kind == Event::Kind::disconnect);
  CHECK(e.errcode == 18);
  REQUIRE(e.sub_errcode);
  CHECK(*e.sub_errcode == 202);
  CHECK(e.errmsg == "arrears");
  CHECK(e.domain == "push.example.com");
  CHECK(e.app == "live");
  CHECK(e.appid == "1250000");  // a JSON number, as its text
  CHECK(e.stream == "room_1");
  CHECK(e.event_time == 1715510025);
}

TEST_CASE("json format: only the dimensions the labels need are read", "[parse][json_format]") {
  Lines lines(kGateway,
              DimensionFields{.domain = false, .app = false, .appid = false, .stream = true});
  REQUIRE(
      lines.parse(
          R"({"kind":"stream_end","data":{"code":1,"msg":"m","host":"h","app":"a","appid":"9","stream":"s"}})") ==
      ParseError::none);
  CHECK(lines.event.domain.empty());
  CHECK(lines.event.app.empty());
  CHECK(lines.event.appid.empty());
  CHECK(lines.event.stream == "s");
  CHECK(lines.event.errmsg == "m");  // the classifier needs it whatever the labels
  // An unread dimension cannot make a line fail either.
  CHECK(lines.parse(R"({"kind":"stream_end","data":{"code":1,"host":{"x":1}}})") ==
        ParseError::none);
}

TEST_CASE(
    "json format: codes as integers, integral numbers or numeric strings, anything else is "
    "wrong_type",
    "[parse][json_format]") {
  Lines lines("    fields: {errcode: /c, sub_errcode: /s}\n");
  CHECK(lines.parse(R"({"c":"18","s":"0"})") == ParseError::none);
  CHECK(lines.event.errcode == 18);
  CHECK(lines.event.sub_errcode == 0);
  CHECK(lines.parse(R"({"c":-3})") == ParseError::none);
  CHECK(lines.event.errcode == -3);
  CHECK_FALSE(lines.event.sub_errcode);  // absent sub_errcode: none
  CHECK(lines.parse(R"({"c":3,"s":null})") == ParseError::none);
  CHECK_FALSE(lines.event.sub_errcode);
  // An integral number written as a fraction or exponent is that integer.
  CHECK(lines.parse(R"({"c":18.0,"s":202.0})") == ParseError::none);
  CHECK(lines.event.errcode == 18);
  CHECK(lines.event.sub_errcode == 202);
  CHECK(lines.parse(R"({"c":1e2})") == ParseError::none);
  CHECK(lines.event.errcode == 100);

  for (std::string_view bad :
       {R"({"c":" 18"})", R"({"c":"18 "})", R"({"c":"+18"})", R"({"c":""})", R"({"c":"0x12"})",
        R"({"c":18.5})", R"({"c":9.3e18})", R"({"c":true})", R"({"c":{}})", R"({"c":[18]})",
        R"({"c":18446744073709551615})", R"({"c":"99999999999999999999"})", R"({"c":1,"s":"x"})",
        R"({"c":1,"s":2.5})"}) {
    INFO(bad);
    CHECK(lines.parse(bad) == ParseError::wrong_type);
  }
  CHECK(lines.parse(R"({"s":1})") == ParseError::missing_field);
  CHECK(lines.parse(R"({"c":null})") == ParseError::missing_field);
  CHECK(lines.parse(R"([1,2])") == ParseError::missing_field);  // valid JSON, no /c
}

TEST_CASE("json format: time in seconds, milliseconds or as a string", "[parse][json_format]") {
  Lines lines("    fields: {errcode: /c, time: /t}\n");
  const std::pair<std::string_view, int64_t> cases[] = {
      {R"({"c":1,"t":1715510025})", 1715510025},
      {R"({"c":1,"t":1715510025999})", 1715510025},        // ms
      {R"({"c":1,"t":1715510025999999})", 1715510025},     // µs
      {R"({"c":1,"t":1715510025999999999})", 1715510025},  // ns
      {R"({"c":1,"t":1715510025.75})", 1715510025},
      {R"({"c":1,"t":"1715510025"})", 1715510025},
      {R"({"c":1,"t":"1715510025123"})", 1715510025},
      {R"({"c":1,"t":"1715510025.5"})", 1715510025},
      {R"({"c":1,"t":null})", 0},
      {R"({"c":1})", 0},
  };
  for (const auto& [line, seconds] : cases) {
    INFO(line);
    REQUIRE(lines.parse(line) == ParseError::none);
    CHECK(lines.event.event_time == seconds);
  }
  // A malformed time is ignored and marked; the event still counts.
  for (std::string_view bad : {R"({"c":1,"t":"2024-05-12T10:00:00Z"})", R"({"c":1,"t":"1e9"})",
                               R"({"c":1,"t":true})", R"({"c":1,"t":[1]})"}) {
    INFO(bad);
    CHECK(lines.parse(bad) == ParseError::none);
    CHECK(lines.event.event_time == 0);
    CHECK(lines.event.bad_fields == optional_field_bit(OptionalField::event_time));
  }
}

TEST_CASE("json format: dimension values as strings or numbers", "[parse][json_format]") {
  Lines lines("    fields: {errcode: /c, domain: /d, stream: /s, errmsg: /m}\n");
  REQUIRE(lines.parse(R"({"c":1,"d":"h\u00e9","s":12345678901234567890,"m":"x\"y"})") ==
          ParseError::none);
  CHECK(lines.event.domain == "h\xc3\xa9");  // unescaped, UTF-8
  CHECK(lines.event.stream == "12345678901234567890");
  CHECK(lines.event.errmsg == "x\"y");
  REQUIRE(lines.parse(R"({"c":1,"s":2.5,"d":null})") == ParseError::none);
  CHECK(lines.event.stream == "2.5");
  CHECK(lines.event.domain.empty());
  // Bools, objects, arrays: left empty and marked, the event still counts.
  CHECK(lines.parse(R"({"c":1,"d":true})") == ParseError::none);
  CHECK(lines.event.domain.empty());
  CHECK(lines.event.bad_fields == optional_field_bit(OptionalField::domain));
  CHECK(lines.parse(R"({"c":1,"m":{"a":1}})") == ParseError::none);
  CHECK(lines.event.errmsg.empty());
  CHECK(lines.event.bad_fields == optional_field_bit(OptionalField::errmsg));
  // simdjson 3.0's DOM parser refuses a lone surrogate anywhere in the line
  // (format tencent_callback reads on demand and only drops the field).
  CHECK(lines.parse(R"({"c":1,"s":"a\uD800"})") == ParseError::invalid_json);
  // Number texts live in the parser: a second field does not overwrite the first.
  REQUIRE(lines.parse(R"({"c":1,"d":7,"s":8})") == ParseError::none);
  CHECK(lines.event.domain == "7");
  CHECK(lines.event.stream == "8");
}

TEST_CASE("json format: malformed lines", "[parse][json_format]") {
  Lines lines(kGateway);
  CHECK(lines.parse("") == ParseError::empty_line);
  CHECK(lines.parse(" \t\r") == ParseError::empty_line);
  CHECK(lines.parse(R"({"kind":"stream_end","data":{"code":12,"host":"push.exam)") ==
        ParseError::invalid_json);
  CHECK(lines.parse(R"({"kind":"stream_end","data":{"code":12}} trailing)") ==
        ParseError::invalid_json);
  // Damage in a part no pointer reads still makes the line invalid.
  CHECK(lines.parse(R"({"kind":"stream_end","data":{"code":12},"x":[1,,2]})") ==
        ParseError::invalid_json);
  CHECK(lines.parse("{\"kind\":\"stream_end\",\"data\":{\"code\":1,\"msg\":\"\xff\"}}") ==
        ParseError::invalid_utf8);
  CHECK(lines.parse("not json") == ParseError::invalid_json);
  // And a good line after the bad ones still parses.
  CHECK(lines.parse(R"({"kind":"stream_end","data":{"code":12}})") == ParseError::none);
  CHECK(lines.event.errcode == 12);
}

TEST_CASE("json format: push lines are never filtered, others must pass the filter",
          "[parse][json_format]") {
  Lines lines(kGateway);
  // A push needs no code, and the filter (which wants stream_end) does not apply.
  REQUIRE(lines.parse(R"({"ts":1715510000,"kind":"stream_start","data":{"host":"h"}})") ==
          ParseError::none);
  CHECK(lines.event.kind == Event::Kind::push);
  CHECK(lines.event.domain == "h");
  CHECK(lines.event.event_time == 1715510000);
  // Other kinds, or no kind at all, are filtered even without a code.
  for (std::string_view other :
       {R"({"kind":"stats","data":{}})", R"({"data":{"code":1}})",
        R"({"kind":"Stream_End","data":{"code":1}})",
        R"({"kind":["stream_end"],"data":{"code":1}})", R"("stream_end")"}) {
    INFO(other);
    REQUIRE(lines.parse(other) == ParseError::none);
    CHECK(lines.event.kind == Event::Kind::other);
  }
  // A line that passes the filter must have its code.
  CHECK(lines.parse(R"({"kind":"stream_end","data":{}})") == ParseError::missing_field);
  // A push line with a wrongly typed label counts, the label left empty.
  CHECK(lines.parse(R"({"kind":"stream_start","data":{"host":[1]}})") == ParseError::none);
  CHECK(lines.event.kind == Event::Kind::push);
  CHECK(lines.event.bad_fields != 0);

  // Without a filter every line that is not a push is a disconnect.
  Lines no_filter("    fields: {errcode: /code}\n    push: {field: /event, equals: start}\n");
  CHECK(no_filter.parse(R"({"event":"start"})") == ParseError::none);
  CHECK(no_filter.event.kind == Event::Kind::push);
  CHECK(no_filter.parse(R"({"event":"stop"})") == ParseError::missing_field);
  REQUIRE(no_filter.parse(R"({"event":"stop","code":3})") == ParseError::none);
  CHECK(no_filter.event.kind == Event::Kind::disconnect);
}

TEST_CASE("json format: equals compares strings, numbers and bools", "[parse][json_format]") {
  struct Case {
    std::string_view equals;
    std::string_view value;  // the JSON at /k
    bool matches;
  };
  const Case cases[] = {
      {"0", "0", true},
      {"0", "\"0\"", true},
      {"0", "0.0", true},
      {"0", "1", false},
      {"0", "false", false},
      {"0", "null", false},
      {"\"18\"", "18", true},
      {"\"18\"", "\"18\"", true},
      {"\"18\"", "\"018\"", false},
      {"1.5", "1.5", true},
      {"1.5", "1", false},
      {"1.5", "\"1.5\"", true},
      {"1e3", "1000", true},
      {"1e3", "\"1000\"", true},
      {"true", "true", true},
      {"true", "false", false},
      {"true", "\"true\"", true},
      {"True", "true", true},
      {"\"true\"", "true", true},
      {"false", "false", true},
      {"false", "0", false},
      {"9007199254740993", "9007199254740993", true},  // past 2^53: compared exactly
      {"9007199254740993", "9007199254740992", false},
      {"end", "\"end\"", true},
      {"end", "\"END\"", false},
      {"end", "{\"a\":1}", false},
      {"end", "[\"end\"]", false},
      {"\"\"", "\"\"", true},
  };
  for (const Case& c : cases) {
    INFO("equals: " << c.equals << ", value " << c.value);
    Lines lines("    fields: {errcode: /c}\n    filter: {field: /k, equals: " +
                std::string(c.equals) + "}\n");
    REQUIRE(lines.parse("{\"c\":1,\"k\":" + std::string(c.value) + "}") == ParseError::none);
    CHECK((lines.event.kind == Event::Kind::disconnect) == c.matches);
  }
}

TEST_CASE("json format: canonical() tells settings apart", "[parse][json_format]") {
  const std::string base = spec_of(kGateway)->canonical();
  CHECK(spec_of(kGateway)->canonical() == base);
  // Values that compare alike are one setting.
  CHECK(
      spec_of("    fields: {errcode: /c}\n    filter: {field: /k, equals: 18}\n")->canonical() ==
      spec_of("    fields: {errcode: /c}\n    filter: {field: /k, equals: \"18\"}\n")->canonical());
  CHECK(spec_of("    fields: {errcode: /c}\n    filter: {field: /k, equals: 1e3}\n")->canonical() ==
        spec_of("    fields: {errcode: /c}\n    filter: {field: /k, equals: 1000}\n")->canonical());
  const std::string_view different[] = {
      "    fields: {errcode: /c}\n",
      "    fields: {errcode: /d}\n",
      "    fields: {errcode: /c, sub_errcode: /s}\n",
      "    fields: {errcode: /c, domain: /s}\n",
      "    fields: {errcode: /c}\n    filter: {field: /k, equals: a}\n",
      "    fields: {errcode: /c}\n    filter: {field: /k, equals: b}\n",
      "    fields: {errcode: /c}\n    filter: {field: /j, equals: a}\n",
      "    fields: {errcode: /c}\n    push: {field: /k, equals: a}\n",
      // Text that looks like another setting cannot fake it.
      "    fields: {errcode: \"/c;domain=2:/s\"}\n",
  };
  std::vector<std::string> seen = {base};
  for (std::string_view keys : different) {
    INFO(keys);
    const std::string canonical = spec_of(keys)->canonical();
    for (const std::string& other : seen) CHECK(canonical != other);
    seen.push_back(canonical);
  }
}

TEST_CASE("json format: refused settings, each with line:column", "[parse][json_format][config]") {
  CHECK(messages_of("") ==
        std::vector<std::string>{"2:5: missing required key \"fields\" in source \"gw\""});
  CHECK(messages_of("    fields: /data/code\n") ==
        std::vector<std::string>{
            "6:13: \"fields\" in source \"gw\" must be a map, got the string \"/data/code\""});
  CHECK(messages_of("    fields: {sub_errcode: /s}\n") ==
        std::vector<std::string>{
            "6:13: missing required key \"errcode\" in \"fields\" in source \"gw\""});
  CHECK(messages_of("    fields: {errcode: /c, code: /x}\n") ==
        std::vector<std::string>{"6:27: unknown key \"code\" in \"fields\" in source \"gw\" "
                                 "(expected one of: errcode, sub_errcode, errmsg, domain, app, "
                                 "appid, stream, time, push_duration)"});
  CHECK(messages_of("    fields:\n      errcode: data/code\n") ==
        std::vector<std::string>{
            "7:16: \"errcode\" in \"fields\" in source \"gw\" is not a valid JSON pointer "
            "(\"data/code\"): it must be empty or start with \"/\""});
  CHECK(messages_of("    fields:\n      errcode: /c\n      domain: \"/a~2\"\n") ==
        std::vector<std::string>{
            "8:15: \"domain\" in \"fields\" in source \"gw\" is not a valid JSON pointer "
            "(\"/a~2\"): \"~\" at byte 3 must be followed by 0 (for \"~\") or 1 (for \"/\")"});
  CHECK(messages_of("    fields: {errcode: 5}\n") ==
        std::vector<std::string>{"6:23: \"errcode\" in \"fields\" in source \"gw\" must be a "
                                 "string, got the integer 5 (quote it to use it as text)"});
  CHECK(messages_of("    fields: {errcode: /c}\n    filter: {field: /k, value: x}\n") ==
        std::vector<std::string>{
            "7:25: unknown key \"value\" in \"filter\" in source \"gw\" (expected one of: "
            "field, equals)"});
  CHECK(messages_of("    fields: {errcode: /c}\n    filter: {field: /k}\n") ==
        std::vector<std::string>{
            "7:13: missing required key \"equals\" in \"filter\" in source \"gw\""});
  CHECK(messages_of("    fields: {errcode: /c}\n    push: {field: k, equals: x}\n") ==
        std::vector<std::string>{
            "7:19: \"field\" in \"push\" in source \"gw\" is not a valid JSON pointer (\"k\"): "
            "it must be empty or start with \"/\""});
  CHECK(messages_of("    fields: {errcode: /c}\n    push: {field: /k, equals: [a]}\n") ==
        std::vector<std::string>{"7:31: \"equals\" in \"push\" in source \"gw\" must be a "
                                 "string, number or boolean, got a list"});
  CHECK(messages_of("    fields: {errcode: /c}\n    push: {field: /k, equals: .inf}\n") ==
        std::vector<std::string>{"7:31: \"equals\" in \"push\" in source \"gw\" must be a "
                                 "finite number, got .inf"});
  CHECK(messages_of("    fields: {errcode: /c}\n    push: {field: /k, equals: }\n") ==
        std::vector<std::string>{"7:23: \"equals\" in \"push\" in source \"gw\" has no value"});
}

TEST_CASE("json format: independent mistakes are all reported in one pass",
          "[parse][json_format][config]") {
  const std::vector<std::string> messages = messages_of(
      "    fields:\n"
      "      errcode: code\n"
      "      domain: host\n"
      "      color: /c\n"
      "    filter: {field: /k}\n"
      "    push: 5\n");
  REQUIRE(messages.size() == 5);
  CHECK_THAT(messages[0], Catch::StartsWith("7:16: \"errcode\""));
  CHECK_THAT(messages[1], Catch::StartsWith("8:15: \"domain\""));
  CHECK_THAT(messages[2], Catch::StartsWith("9:7: unknown key \"color\""));
  CHECK_THAT(messages[3], Catch::StartsWith("10:13: missing required key \"equals\""));
  CHECK_THAT(messages[4], Catch::StartsWith("11:11: \"push\" in source \"gw\" must be a map"));
}

TEST_CASE("json format: its keys belong to it alone", "[parse][json_format][config]") {
  // `regex` is format regex's key, `fields` is not tencent_callback's.
  CHECK_THAT(messages_of("    fields: {errcode: /c}\n    regex: x\n").at(0),
             Catch::StartsWith("7:5: unknown key \"regex\" in source \"gw\""));
  try {
    load_config_string("sources:\n  - {name: cb, type: file, paths: [a], fields: {errcode: /c}}\n",
                       "test.yaml");
    FAIL("fields accepted in a tencent_callback source");
  } catch (const ConfigErrors& e) {
    REQUIRE(e.errors().size() == 1);
    CHECK_THAT(e.errors()[0].reason(),
               Catch::StartsWith("unknown key \"fields\" in source \"cb\""));
  }
}

}  // namespace sdx

namespace sdx {

TEST_CASE("json format: push_duration in ms, a number or a numeric string",
          "[parse][json_format]") {
  Lines lines("    fields: {errcode: /c, push_duration: /p}\n");
  REQUIRE(lines.parse(R"({"c":1,"p":"128581"})") == ParseError::none);
  CHECK(lines.event.push_duration_ms == 128581);
  REQUIRE(lines.parse(R"({"c":1,"p":42})") == ParseError::none);
  CHECK(lines.event.push_duration_ms == 42);
  REQUIRE(lines.parse(R"({"c":1})") == ParseError::none);
  CHECK_FALSE(lines.event.push_duration_ms);
  CHECK(lines.event.bad_fields == 0);
  for (std::string_view bad : {R"({"c":1,"p":"soon"})", R"({"c":1,"p":-1})", R"({"c":1,"p":[]})"}) {
    INFO(bad);
    REQUIRE(lines.parse(bad) == ParseError::none);
    CHECK_FALSE(lines.event.push_duration_ms);
    CHECK(lines.event.bad_fields == optional_field_bit(OptionalField::push_duration));
  }
}

}  // namespace sdx
