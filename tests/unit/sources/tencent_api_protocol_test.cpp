#include "sources/tencent_api_protocol.h"

#include <catch2/catch.hpp>

namespace sdx {

TEST_CASE("API times are UTC RFC 3339 seconds", "[tencent_api]") {
  CHECK(format_api_time(1546110000) == "2018-12-29T19:00:00Z");
  CHECK(parse_api_time("2018-12-29T19:00:00Z") == 1546110000);
  CHECK(parse_api_time("2018-12-30T03:00:00+08:00") == 1546110000);
  CHECK(parse_api_time("2018-12-29T18:30:00-00:30") == 1546110000);
  for (const char* bad : {"", "2018-12-29", "2018-12-29T19:00:00", "2018-13-29T19:00:00Z",
                          "2018-12-29T19:00:00+0800", "20x8-12-29T19:00:00Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_api_time(bad));
  }
}

TEST_CASE("the request names the window, the page and the filters", "[tencent_api]") {
  CHECK(event_list_request({1546110000, 1546110060}, 3, {}) ==
        R"({"StartTime":"2018-12-29T19:00:00Z","EndTime":"2018-12-29T19:01:00Z",)"
        R"("PageNum":3,"PageSize":100,"IsAsc":1})");
  CHECK(event_list_request({0, 1}, 1, {"push.example.com", "live", "a\"b"}) ==
        R"({"StartTime":"1970-01-01T00:00:00Z","EndTime":"1970-01-01T00:00:01Z",)"
        R"("DomainName":"push.example.com","AppName":"live","StreamName":"a\"b","IsStrict":1,)"
        R"("PageNum":1,"PageSize":100,"IsAsc":1})");
}

TEST_CASE("a page of records", "[tencent_api]") {
  const ApiPage page = parse_event_list_response(R"({"Response":{
      "EventList":[{"AppName":"live","DomainName":"push.example.com","StreamName":"s1",
                    "StreamStartTime":"2018-12-29T19:00:00Z","StreamEndTime":"2018-12-29T19:05:00Z",
                    "StopReason":"推流客户端主动断流","Duration":300,"ClientIp":"1.2.3.4",
                    "Resolution":"1920*1080"}],
      "TotalNum":101,"TotalPage":2,"RequestId":"r-1"}})");
  CHECK(page.error_code.empty());
  CHECK(page.total_num == 101);
  CHECK(page.total_page == 2);
  CHECK(page.request_id == "r-1");
  REQUIRE(page.records.size() == 1);
  CHECK(page.records[0].domain == "push.example.com");
  CHECK(page.records[0].app == "live");
  CHECK(page.records[0].stream == "s1");
  CHECK(page.records[0].stop_reason == "推流客户端主动断流");
  CHECK(page.records[0].start == 1546110000);
  CHECK(page.records[0].end == 1546110300);
}

TEST_CASE("an error response", "[tencent_api]") {
  const ApiPage page = parse_event_list_response(
      R"({"Response":{"Error":{"Code":"AuthFailure.SignatureExpire","Message":"expired"},)"
      R"("RequestId":"r-2"}})");
  CHECK(page.error_code == "AuthFailure.SignatureExpire");
  CHECK(page.error_message == "expired");
  CHECK(page.records.empty());
}

TEST_CASE("bodies that are not the documented shape", "[tencent_api]") {
  for (
      const char* bad :
      {"", "<html>", "{}", R"({"Response":1})", R"({"Response":{"TotalNum":1,"TotalPage":1}})",
       R"({"Response":{"EventList":[],"TotalPage":1}})",
       R"({"Response":{"EventList":[1],"TotalNum":1,"TotalPage":1}})",
       R"({"Response":{"EventList":[{"StreamStartTime":"x","StreamEndTime":"y"}],"TotalNum":1,"TotalPage":1}})",
       R"({"Response":{"Error":{"Message":"no code"}}})"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_event_list_response(bad), ApiFormatError);
  }
}

}  // namespace sdx
