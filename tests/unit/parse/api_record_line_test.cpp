#include "parse/api_record_line.h"

#include <catch2/catch.hpp>

#include "padded_line.h"

namespace sdx {

TEST_CASE("a records API line round-trips into a message-only disconnect", "[api_record]") {
  const std::string line =
      api_record_line(1700000000, "push.example.com", "live", "s\t1", "推流客户端主动断流\n");
  CHECK(line == "1700000000\tpush.example.com\tlive\ts 1\t推流客户端主动断流 ");
  ApiRecordParser parser;
  Event event;
  test::PaddedLine padded(line);
  REQUIRE(parser.parse(padded.view(), event) == ParseError::none);
  CHECK(event.kind == Event::Kind::disconnect);
  CHECK(event.message_only);
  CHECK(event.event_time == 1700000000);
  CHECK(event.domain == "push.example.com");
  CHECK(event.app == "live");
  CHECK(event.stream == "s 1");
  CHECK(event.errmsg == "推流客户端主动断流 ");
  CHECK_FALSE(event.sub_errcode);
}

TEST_CASE("malformed records API lines", "[api_record]") {
  ApiRecordParser parser;
  Event event;
  CHECK(parser.parse("", event) == ParseError::empty_line);
  CHECK(parser.parse("1\td\ta\ts", event) == ParseError::missing_field);
  CHECK(parser.parse("x\td\ta\ts\tr", event) == ParseError::wrong_type);
  CHECK(parser.parse("1\td\ta\ts\t", event) == ParseError::none);
  CHECK(event.errmsg.empty());
}

}  // namespace sdx
