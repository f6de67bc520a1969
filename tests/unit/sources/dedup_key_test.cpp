#include "sources/dedup_key.h"

#include <catch2/catch.hpp>

namespace sdx {
namespace {

uint64_t key_of(const std::string& body) {
  DedupKeyer keyer;
  const simdjson::padded_string padded(body);
  std::optional<uint64_t> key = keyer.key(std::string_view(padded.data(), padded.size()));
  REQUIRE(key);
  return *key;
}

const std::string kOfficial =
    R"({"app":"test.domain.com","appid":12345678,"appname":"live","channel_id":"test_stream",)"
    R"("errcode":1,"errmsg":"The push client actively stopped the push","event_time":1703731606,)"
    R"("event_type":0,"height":0,"idc_id":34,"node":"42.81.194.37","push_duration":"128581",)"
    R"("sequence":"2210464508206756938","set_id":2,"sign":"0123","stream_id":"test_stream",)"
    R"("stream_param":"stream_param=test","t":1703732206,"user_ip":"1.1.1.1","width":0})";

}  // namespace

// Expected values computed independently with Python:
// hashlib.sha256(text.encode()).hexdigest()[:16]
TEST_CASE("dedup key of a callback with a sequence: the session fields only",
          "[webhook][dedup_key]") {
  CHECK(key_of(kOfficial) == 0xe0855ca3b0ab57e7ULL);
  // A re-signed retry (new t and sign), other volatile fields, other order.
  std::string retry = kOfficial;
  retry.replace(retry.find("\"t\":1703732206"), 14, "\"t\":1703732866");
  retry.replace(retry.find("\"sign\":\"0123\""), 13, "\"sign\":\"abcd\"");
  retry.replace(retry.find("\"idc_id\":34"), 11, "\"idc_id\":35");
  CHECK(key_of(retry) == key_of(kOfficial));
  CHECK(key_of(R"({"errcode":1,"event_type":0,"stream_id":"test_stream",)"
               R"("sequence":"2210464508206756938","event_time":1703731606})") ==
        0xe0855ca3b0ab57e7ULL);

  // The push start of the same session, another errcode or time: other keys.
  std::string start = kOfficial;
  start.replace(start.find("\"event_type\":0"), 14, "\"event_type\":1");
  CHECK(key_of(start) != key_of(kOfficial));
  std::string other_code = kOfficial;
  other_code.replace(other_code.find("\"errcode\":1"), 11, "\"errcode\":3");
  CHECK(key_of(other_code) != key_of(kOfficial));
  std::string other_time = kOfficial;
  other_time.replace(other_time.find("\"event_time\":1703731606"), 23, "\"event_time\":1703731607");
  CHECK(key_of(other_time) != key_of(kOfficial));
}

TEST_CASE("dedup key without a sequence: the body without t and sign", "[webhook][dedup_key]") {
  CHECK(key_of(R"({"event_type":0,"t":5,"errcode":3,"sign":"x","stream_id":"s1"})") ==
        0xbf7f22946436e872ULL);
  CHECK(key_of(R"({"event_type": 0, "errcode": 3, "stream_id": "s1", "t": 9, "sign": "y"})") ==
        0xbf7f22946436e872ULL);
  CHECK(key_of(R"({"event_type":0,"errcode":3,"stream_id":"s2"})") != 0xbf7f22946436e872ULL);
  CHECK(key_of(R"({"event_type":0,"errcode":3,"stream_id":"s1","node":"n"})") !=
        0xbf7f22946436e872ULL);
}

TEST_CASE("dedup key: no key for what is not a JSON object", "[webhook][dedup_key]") {
  DedupKeyer keyer;
  for (std::string body : {"[1,2]", "12", "{\"a\":", "not json"}) {
    const simdjson::padded_string padded(body);
    CHECK_FALSE(keyer.key(std::string_view(padded.data(), padded.size())));
  }
}

}  // namespace sdx
