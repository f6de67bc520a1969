#include "parse/callback_parser.h"

#include <catch2/catch.hpp>

#include <memory>

#include "padded_line.h"
#include "parse/optional_field.h"

using sdx::Event;
using sdx::ParseError;
using sdx::TencentCallbackParser;
using sdx::test::PaddedLine;

namespace {

// Event views point into the line: keep the last line alive like a source's
// buffer does until the next line.
ParseError parse(TencentCallbackParser& parser, std::string_view text, Event& event) {
  static std::unique_ptr<PaddedLine> line;
  line = std::make_unique<PaddedLine>(text);
  return parser.parse(line->view(), event);
}

// The official interruption example from Tencent's docs (sign masked).
constexpr std::string_view kOfficialExample =
    R"({"app":"test.domain.com","appid":12345678,"appname":"live","channel_id":"test_stream","errcode":1,"errmsg":"The push client actively stopped the push","event_time":1703731606,"event_type":0,"height":0,"idc_id":34,"node":"42.81.194.37","push_duration":"128581","sequence":"2210464508206756938","set_id":2,"sign":"0123456789abcdef0123456789abcdef","stream_id":"test_stream","stream_param":"stream_param=test","t":1703732206,"user_ip":"1.1.1.1","width":0})";

}  // namespace

TEST_CASE("the official interruption callback parses into a disconnect", "[parse]") {
  TencentCallbackParser parser;
  Event event;
  REQUIRE(parse(parser, kOfficialExample, event) == ParseError::none);
  CHECK(event.kind == Event::Kind::disconnect);
  CHECK(event.errcode == 1);
  CHECK_FALSE(event.sub_errcode.has_value());
  CHECK(event.errmsg == "The push client actively stopped the push");
  CHECK(event.domain == "test.domain.com");
  CHECK(event.app == "live");
  CHECK(event.appid == "12345678");
  CHECK(event.stream == "test_stream");
  CHECK(event.event_time == 1703731606);
}

TEST_CASE("push events and other event types", "[parse]") {
  TencentCallbackParser parser;
  Event event;
  REQUIRE(parse(parser, R"({"event_type":1,"errcode":0,"errmsg":"ok","stream_id":"s"})", event) ==
          ParseError::none);
  CHECK(event.kind == Event::Kind::push);
  // A push start needs no errcode (old bodies say only "ok").
  REQUIRE(parse(parser, R"({"event_type":1})", event) == ParseError::none);
  CHECK(event.kind == Event::Kind::push);
  // Recording (100), snapshot (200)... may reach the same URL: not ours.
  REQUIRE(parse(parser, R"({"event_type":100,"errcode":0})", event) == ParseError::none);
  CHECK(event.kind == Event::Kind::other);
}

TEST_CASE("sub_errcode and numbers written as strings are accepted", "[parse]") {
  TencentCallbackParser parser;
  Event event;
  REQUIRE(parse(parser, R"({"event_type":"0","errcode":"18","sub_errcode":"202"})", event) ==
          ParseError::none);
  CHECK(event.kind == Event::Kind::disconnect);
  CHECK(event.errcode == 18);
  REQUIRE(event.sub_errcode.has_value());
  CHECK(*event.sub_errcode == 202);
  REQUIRE(parse(parser, R"({"event_type":0,"errcode":18,"sub_errcode":null})", event) ==
          ParseError::none);
  CHECK_FALSE(event.sub_errcode.has_value());
  // push_duration may be a string, a number or absent: it is not read at all.
  REQUIRE(parse(parser, R"({"event_type":0,"errcode":3,"push_duration":128581})", event) ==
          ParseError::none);
}

TEST_CASE("field order does not matter and escapes are decoded", "[parse]") {
  TencentCallbackParser parser;
  Event event;
  REQUIRE(
      parse(
          parser,
          R"({"errmsg":"\u8d26\u53f7\u6b20\u8d39","stream_id":"a\"b","errcode":18,"event_type":0})",
          event) == ParseError::none);
  CHECK(event.errmsg == "账号欠费");
  CHECK(event.stream == "a\"b");
  CHECK(event.errcode == 18);
}

TEST_CASE("bad lines are parse errors by reason", "[parse]") {
  TencentCallbackParser parser;
  Event event;
  CHECK(parse(parser, "", event) == ParseError::empty_line);
  CHECK(parse(parser, "  \t", event) == ParseError::empty_line);
  CHECK(parse(parser, R"({"event_type":0,"errcode":1)", event) == ParseError::invalid_json);
  CHECK(parse(parser, R"({"event_type":0,"errcode":1} trailing)", event) ==
        ParseError::invalid_json);
  CHECK(parse(parser, R"({"event_type":0,"errcode":1}{"event_type":0})", event) ==
        ParseError::invalid_json);
  CHECK(parse(parser, "not json at all", event) == ParseError::invalid_json);
  CHECK(parse(parser, R"({"event_type":0,,"errcode":1})", event) == ParseError::invalid_json);
  CHECK(parse(parser, "[1,2,3]", event) == ParseError::wrong_type);
  CHECK(parse(parser, R"({"event_type":0,"errcode":{"x":1}})", event) == ParseError::wrong_type);
  CHECK(parse(parser, R"({"event_type":0,"errcode":"abc"})", event) == ParseError::wrong_type);
  CHECK(parse(parser, R"({"event_type":0,"errcode":1.5})", event) == ParseError::wrong_type);
  // Optional fields of the wrong type no longer make the line an error (see
  // "a malformed optional field is ignored").
  CHECK(parse(parser, R"({"event_type":0,"errcode":1,"errmsg":7})", event) == ParseError::none);
  CHECK(parse(parser, R"({"event_type":0,"errcode":1,"app":["x"]})", event) == ParseError::none);
  CHECK(parse(parser, R"({"errcode":1})", event) == ParseError::missing_field);
  CHECK(parse(parser, R"({"event_type":0})", event) == ParseError::missing_field);
  const std::string invalid_utf8 = "{\"event_type\":0,\"errcode\":1,\"errmsg\":\"\xff\xfe\"}";
  CHECK(parse(parser, invalid_utf8, event) == ParseError::invalid_utf8);
}

TEST_CASE("the parser recovers after bad lines", "[parse]") {
  TencentCallbackParser parser;
  Event event;
  CHECK(parse(parser, R"({"event_type":0,"errc)", event) == ParseError::invalid_json);
  REQUIRE(parse(parser, R"({"event_type":0,"errcode":13})", event) == ParseError::none);
  CHECK(event.errcode == 13);
}

namespace {
using sdx::OptionalField;
bool marked(const Event& event, OptionalField field) {
  return (event.bad_fields & sdx::optional_field_bit(field)) != 0;
}
}  // namespace

TEST_CASE("push_duration is read from a string or a number, absent stays absent", "[parse]") {
  TencentCallbackParser parser;
  Event event;
  REQUIRE(parse(parser, R"({"event_type":0,"errcode":1,"push_duration":"128581"})", event) ==
          ParseError::none);
  CHECK(event.push_duration_ms == 128581);
  REQUIRE(parse(parser, R"({"event_type":0,"errcode":1,"push_duration":42})", event) ==
          ParseError::none);
  CHECK(event.push_duration_ms == 42);
  REQUIRE(parse(parser, R"({"event_type":0,"errcode":1})", event) == ParseError::none);
  CHECK_FALSE(event.push_duration_ms.has_value());
  CHECK(event.bad_fields == 0);
  REQUIRE(parse(parser, R"({"event_type":0,"errcode":1,"push_duration":null})", event) ==
          ParseError::none);
  CHECK_FALSE(event.push_duration_ms.has_value());
  CHECK(event.bad_fields == 0);
}

TEST_CASE("a malformed optional field is ignored and marked, the disconnect still counts",
          "[parse][optional]") {
  TencentCallbackParser parser;
  Event event;
  struct Case {
    std::string_view line;
    OptionalField field;
  };
  const Case cases[] = {
      {R"({"event_type":0,"errcode":3,"event_time":9223372036854775808})",
       OptionalField::event_time},
      {R"({"event_type":0,"errcode":3,"event_time":1703731606.5})", OptionalField::event_time},
      {R"({"event_type":0,"errcode":3,"event_time":"yesterday"})", OptionalField::event_time},
      {R"({"event_type":0,"errcode":3,"event_time":-5})", OptionalField::event_time},
      {R"({"event_type":0,"errcode":3,"push_duration":"12s"})", OptionalField::push_duration},
      {R"({"event_type":0,"errcode":3,"push_duration":-1})", OptionalField::push_duration},
      {R"({"event_type":0,"errcode":3,"push_duration":[1]})", OptionalField::push_duration},
      {R"({"event_type":0,"errcode":3,"stream_id":"a\uD800b"})", OptionalField::stream},
      {R"({"event_type":0,"errcode":3,"stream_id":{"x":1}})", OptionalField::stream},
      {R"({"event_type":0,"errcode":3,"app":true})", OptionalField::domain},
      {R"({"event_type":0,"errcode":3,"appname":"\uDC00"})", OptionalField::app},
      {R"({"event_type":0,"errcode":3,"appid":[]})", OptionalField::appid},
      {R"({"event_type":0,"errcode":3,"errmsg":7})", OptionalField::errmsg},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    REQUIRE(parse(parser, c.line, event) == ParseError::none);
    CHECK(event.kind == Event::Kind::disconnect);
    CHECK(event.errcode == 3);
    CHECK(event.bad_fields == sdx::optional_field_bit(c.field));
    CHECK(event.event_time == 0);
    CHECK_FALSE(event.push_duration_ms.has_value());
    CHECK(event.stream.empty());
    CHECK(event.domain.empty());
  }
}

TEST_CASE("fields after a malformed optional field are still read", "[parse][optional]") {
  TencentCallbackParser parser;
  Event event;
  REQUIRE(parse(parser,
                R"({"app":"d","errmsg":"x\uD800","event_time":1e30,"event_type":0,"errcode":18,)"
                R"("push_duration":"5000","stream_id":"s1","sub_errcode":202})",
                event) == ParseError::none);
  CHECK(event.domain == "d");
  CHECK(event.errcode == 18);
  CHECK(event.sub_errcode == 202);
  CHECK(event.push_duration_ms == 5000);
  CHECK(event.stream == "s1");
  CHECK(marked(event, OptionalField::errmsg));
  CHECK(marked(event, OptionalField::event_time));
  CHECK_FALSE(marked(event, OptionalField::stream));
}

TEST_CASE("a numeric stream_id is kept as its text and marked", "[parse][optional]") {
  TencentCallbackParser parser;
  Event event;
  REQUIRE(parse(parser, R"({"event_type":0,"errcode":3,"stream_id":123456 })", event) ==
          ParseError::none);
  CHECK(event.stream == "123456");
  CHECK(event.bad_fields == sdx::optional_field_bit(OptionalField::stream));
}

TEST_CASE("integral floats are codes; fractions and huge numbers are not", "[parse][optional]") {
  TencentCallbackParser parser;
  Event event;
  REQUIRE(parse(parser, R"({"event_type":0.0,"errcode":18.0,"sub_errcode":202.0})", event) ==
          ParseError::none);
  CHECK(event.kind == Event::Kind::disconnect);
  CHECK(event.errcode == 18);
  CHECK(event.sub_errcode == 202);
  CHECK(event.bad_fields == 0);
  CHECK(parse(parser, R"({"event_type":0,"errcode":18.5})", event) == ParseError::wrong_type);
  CHECK(parse(parser, R"({"event_type":0,"errcode":1e400})", event) == ParseError::wrong_type);
  CHECK(parse(parser, R"({"event_type":0,"errcode":9223372036854775808})", event) ==
        ParseError::wrong_type);
  CHECK(parse(parser, R"({"event_type":0,"errcode":3,"sub_errcode":0.5})", event) ==
        ParseError::wrong_type);
}
