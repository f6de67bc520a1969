// format: regex — the factory's keys and errors (through the config loader)
// and what its parser makes of lines.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "parse/format_under_test.h"

namespace sdx {
namespace {

std::string source_yaml(std::string_view format_keys) {
  return test::format_source_yaml("regex", "srs", format_keys);
}

std::shared_ptr<const FormatSpec> spec_of(std::string_view format_keys) {
  return test::format_spec_of(source_yaml(format_keys));
}

// A YAML single-quoted scalar: backslashes stay as they are.
std::string regex_key(std::string_view key, std::string_view pattern) {
  return "    " + std::string(key) + ": '" + std::string(pattern) + "'\n";
}

struct Lines : test::FormatLines {
  explicit Lines(std::string_view format_keys, DimensionFields fields = DimensionFields::all())
      : FormatLines(source_yaml(format_keys), fields) {}
};

std::vector<std::string> messages_of(std::string_view format_keys) {
  return test::format_messages_of(source_yaml(format_keys));
}

constexpr std::string_view kAllGroups =
    R"re(code=(?P<errcode>-?\d+)(?:/(?P<sub_errcode>\d+))? msg="(?P<errmsg>[^"]*)" )re"
    R"(vhost=(?P<domain>\S+) app=(?P<app>\S+) appid=(?P<appid>\d+) stream=(?P<stream>\S+) )"
    R"(t=(?P<time>[\d.]+))";

}  // namespace

TEST_CASE("regex format: named groups give the fields", "[parse][regex_format]") {
  Lines lines(regex_key("regex", kAllGroups));
  REQUIRE(lines.parse("[2024-05-12 10:24:12.002][WARN] serve error code=18/202 msg=\"arrears\" "
                      "vhost=push.example.com app=live appid=1250000 stream=room_1 "
                      "t=1715509452123") == ParseError::none);
  const Event& e = lines.event;
  CHECK(e.kind == Event::Kind::disconnect);
  CHECK(e.errcode == 18);
  CHECK(e.sub_errcode == 202);
  CHECK(e.errmsg == "arrears");
  CHECK(e.domain == "push.example.com");
  CHECK(e.app == "live");
  CHECK(e.appid == "1250000");
  CHECK(e.stream == "room_1");
  CHECK(e.event_time == 1715509452);  // milliseconds, by their size

  // An optional group that did not take part: no sub_errcode.
  REQUIRE(lines.parse("code=-3 msg=\"\" vhost=h app=a appid=1 stream=s t=1715509452.5") ==
          ParseError::none);
  CHECK(lines.event.errcode == -3);
  CHECK_FALSE(lines.event.sub_errcode);
  CHECK(lines.event.errmsg.empty());
  CHECK(lines.event.event_time == 1715509452);
}

TEST_CASE("regex format: only the dimensions the labels need are read", "[parse][regex_format]") {
  Lines lines(regex_key("regex", kAllGroups),
              DimensionFields{.domain = true, .app = false, .appid = false, .stream = false});
  REQUIRE(lines.parse("code=1 msg=\"m\" vhost=h app=a appid=1 stream=s t=1") == ParseError::none);
  CHECK(lines.event.domain == "h");
  CHECK(lines.event.app.empty());
  CHECK(lines.event.stream.empty());
  CHECK(lines.event.errmsg == "m");
}

TEST_CASE("regex format: searched anywhere unless anchored; no match is filtered",
          "[parse][regex_format]") {
  Lines anywhere(regex_key("regex", R"(code=(?P<errcode>\d+))"));
  REQUIRE(anywhere.parse("prefix code=7 suffix") == ParseError::none);
  CHECK(anywhere.event.kind == Event::Kind::disconnect);
  CHECK(anywhere.event.errcode == 7);
  for (std::string_view unrelated : {"[INFO] client identified", "", "code=", "CODE=7"}) {
    INFO(unrelated);
    REQUIRE(anywhere.parse(unrelated) == ParseError::none);
    CHECK(anywhere.event.kind == Event::Kind::other);
  }

  Lines anchored(regex_key("regex", R"(^code=(?P<errcode>\d+)$)"));
  REQUIRE(anchored.parse("code=7") == ParseError::none);
  CHECK(anchored.event.kind == Event::Kind::disconnect);
  REQUIRE(anchored.parse("x code=7") == ParseError::none);
  CHECK(anchored.event.kind == Event::Kind::other);
  REQUIRE(anchored.parse("code=7 x") == ParseError::none);
  CHECK(anchored.event.kind == Event::Kind::other);
}

TEST_CASE("regex format: captures that are not codes", "[parse][regex_format]") {
  Lines lines(regex_key("regex", R"(code=(?P<errcode>\w*)(?:/(?P<sub_errcode>\w+))?)"));
  CHECK(lines.parse("code=abc") == ParseError::wrong_type);
  CHECK(lines.parse("code=99999999999999999999") == ParseError::wrong_type);  // past int64
  CHECK(lines.parse("code=18/x") == ParseError::wrong_type);
  CHECK(lines.parse("code=") == ParseError::missing_field);  // an empty capture
  REQUIRE(lines.parse("code=18/202") == ParseError::none);
  CHECK(lines.event.sub_errcode == 202);

  Lines optional(regex_key("regex", R"(disconnect(?: code=(?P<errcode>\d+))?)"));
  CHECK(optional.parse("disconnect") == ParseError::missing_field);  // group did not take part

  Lines time(regex_key("regex", R"(code=(?P<errcode>\d+) t=(?P<time>\S+))"));
  CHECK(time.parse("code=1 t=yesterday") == ParseError::wrong_type);
  REQUIRE(time.parse("code=1 t=1715509452") == ParseError::none);
  CHECK(time.event.event_time == 1715509452);
}

TEST_CASE("regex format: push_regex counts pushes, with their dimensions",
          "[parse][regex_format]") {
  Lines lines(regex_key("regex", R"(serve error code=(?P<errcode>\d+))") +
              regex_key("push_regex", R"(type=fmle-publish, vhost=(?P<domain>[^,]+), )"
                                      R"(app=(?P<app>[^,]+), stream=(?P<stream>[^,]+))"));
  REQUIRE(lines.parse("client identified, type=fmle-publish, vhost=push.example.com, app=live, "
                      "stream=room_1, param=") == ParseError::none);
  CHECK(lines.event.kind == Event::Kind::push);
  CHECK(lines.event.domain == "push.example.com");
  CHECK(lines.event.app == "live");
  CHECK(lines.event.stream == "room_1");
  // A line both match is a push: push_regex is tried first.
  REQUIRE(lines.parse("type=fmle-publish, vhost=h, app=a, stream=s, serve error code=1") ==
          ParseError::none);
  CHECK(lines.event.kind == Event::Kind::push);
  REQUIRE(lines.parse("serve error code=1007(SocketRead)") == ParseError::none);
  CHECK(lines.event.kind == Event::Kind::disconnect);
  CHECK(lines.event.domain.empty());  // the disconnect pattern has no domain group
  REQUIRE(lines.parse("client identified, type=rtmp-play, vhost=h, app=a, stream=s") ==
          ParseError::none);
  CHECK(lines.event.kind == Event::Kind::other);
}

TEST_CASE("regex format: lines that are not UTF-8", "[parse][regex_format]") {
  Lines lines(regex_key("regex", R"(code=(?P<errcode>\d+) msg=(?P<errmsg>.*)$)"));
  // Bytes outside the captures do not matter when the line matches.
  REQUIRE(lines.parse("\xff\xfe code=5 msg=ok") == ParseError::none);
  CHECK(lines.event.kind == Event::Kind::disconnect);
  CHECK(lines.event.errmsg == "ok");
  // RE2 (UTF-8 mode) does not match `.` on a stray byte: the line might have
  // been a disconnect, so it is an error rather than silently filtered.
  CHECK(lines.parse("code=5 msg=caf\xe9") == ParseError::invalid_utf8);
  CHECK(lines.parse(std::string_view("\xc3\x28\x00\xa0", 4)) == ParseError::invalid_utf8);
  // A valid line that does not match is still just filtered.
  REQUIRE(lines.parse("caf\xc3\xa9") == ParseError::none);
  CHECK(lines.event.kind == Event::Kind::other);

  // \C takes any byte, even half a character: the value is refused.
  Lines any_byte(regex_key("regex", R"(code=(?P<errcode>\d+) msg=(?P<errmsg>\C+)$)"));
  CHECK(any_byte.parse("code=5 msg=caf\xe9") == ParseError::invalid_utf8);
  REQUIRE(any_byte.parse("code=5 msg=caf\xc3\xa9") == ParseError::none);
  CHECK(any_byte.event.errmsg == "caf\xc3\xa9");
}

TEST_CASE("regex format: canonical() tells patterns apart", "[parse][regex_format]") {
  const std::string a = spec_of(regex_key("regex", "c=(?P<errcode>1)"))->canonical();
  CHECK(spec_of(regex_key("regex", "c=(?P<errcode>1)"))->canonical() == a);
  const std::string b = spec_of(regex_key("regex", "c=(?P<errcode>2)"))->canonical();
  const std::string c =
      spec_of(regex_key("regex", "c=(?P<errcode>1)") + regex_key("push_regex", "p"))->canonical();
  const std::string d =
      spec_of(regex_key("regex", "c=(?P<errcode>1)") + regex_key("push_regex", "q"))->canonical();
  CHECK(a != b);
  CHECK(a != c);
  CHECK(c != d);
  // A pattern whose text looks like another setting cannot fake it.
  const std::string e = spec_of(regex_key("regex", "c=(?P<errcode>1);push_regex=1:p"))->canonical();
  CHECK(e != c);
}

TEST_CASE("regex format: refused patterns, each with line:column and RE2's reason",
          "[parse][regex_format][config]") {
  CHECK(messages_of("") ==
        std::vector<std::string>{"2:5: missing required key \"regex\" in source \"srs\""});
  CHECK(messages_of(regex_key("regex", "unpublish (")) ==
        std::vector<std::string>{"6:12: \"regex\" in source \"srs\" is not a valid RE2 pattern: "
                                 "missing ): unpublish ("});
  CHECK(messages_of(regex_key("regex", R"(code=(?P<errcode>\d+) \8)")) ==
        std::vector<std::string>{"6:12: \"regex\" in source \"srs\" is not a valid RE2 pattern: "
                                 "invalid escape sequence: \\8"});
  CHECK(messages_of(regex_key("regex", R"(code=(\d+))")) ==
        std::vector<std::string>{"6:12: \"regex\" in source \"srs\" has no group named errcode: "
                                 "capture the code with (?P<errcode>[0-9]+)"});
  CHECK(messages_of(regex_key("regex", R"(code=(?P<code>\d+))")) ==
        std::vector<std::string>{
            "6:12: \"regex\" in source \"srs\" has a group named \"code\" (expected one of: "
            "errcode, sub_errcode, errmsg, domain, app, appid, stream, time)"});
  CHECK(messages_of(regex_key("regex", R"((?P<errcode>\d+)/(?P<errcode>\d+))")) ==
        std::vector<std::string>{"6:12: \"regex\" in source \"srs\" names two groups \"errcode\""});
  CHECK(messages_of(regex_key("regex", "")) ==
        std::vector<std::string>{"6:12: \"regex\" in source \"srs\" cannot be empty"});
  CHECK(messages_of("    regex: 5\n") ==
        std::vector<std::string>{"6:12: \"regex\" in source \"srs\" must be a string, got the "
                                 "integer 5 (quote it to use it as text)"});
  CHECK(messages_of(regex_key("regex", "(?P<errcode>1)") +
                    regex_key("push_regex", "(?P<errcode>1)")) ==
        std::vector<std::string>{
            "7:17: \"push_regex\" in source \"srs\" has a group named \"errcode\" (expected one "
            "of: domain, app, appid, stream, time)"});
  // A pattern too big for max_mem is refused at load: \pL{200} compiles to
  // some 240,000 instructions, \pL{500} to more than 8 MiB holds.
  CHECK(spec_of(regex_key("regex", R"((?P<errcode>1)\pL{200})")));
  CHECK(messages_of(regex_key("regex", R"((?P<errcode>1)\pL{500})")) ==
        std::vector<std::string>{"6:12: \"regex\" in source \"srs\" is not a valid RE2 pattern: "
                                 "pattern too large - compile failed"});
}

TEST_CASE("regex format: both patterns' mistakes are reported in one pass",
          "[parse][regex_format][config]") {
  const std::vector<std::string> messages =
      messages_of(regex_key("regex", "a(") + regex_key("push_regex", "b["));
  REQUIRE(messages.size() == 2);
  CHECK(messages[0] ==
        "6:12: \"regex\" in source \"srs\" is not a valid RE2 pattern: missing ): a(");
  CHECK(messages[1] ==
        "7:17: \"push_regex\" in source \"srs\" is not a valid RE2 pattern: missing ]: [");
}

}  // namespace sdx
