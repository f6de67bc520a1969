// The source's checkpoint cursor: versioned text that restores the
// processed point and the keys of records that may come again. Its fetch
// thread is exercised end to end by tests/integration/test_tencent_api.py.
#include "sources/tencent_api_source.h"

#include <catch2/catch.hpp>

#include <ctime>

#include "sources/recording_sink.h"

namespace sdx {
namespace {

TencentApiOptions options() {
  TencentApiOptions o;
  o.name = "console";
  o.endpoint = "http://127.0.0.1:1";  // nothing listens: requests fail fast
  o.host = "127.0.0.1:1";
  o.credentials = {"id", "key"};
  return o;
}

}  // namespace

TEST_CASE("a fresh source saves no cursor until it runs", "[tencent_api_source]") {
  test::RecordingSink sink;
  TencentApiSource source(options(), sink);
  CHECK(source.state().cursor.empty());
  CHECK(source.state().identity == "tencent_api http://127.0.0.1:1 domain= app= stream=");
}

TEST_CASE("the cursor round-trips through state and restore", "[tencent_api_source]") {
  const int64_t point = static_cast<int64_t>(std::time(nullptr)) - 100;
  RecordDedup keys;
  keys.insert({"d", "a", "s", point - 10, point + 5});
  SourceState saved;
  saved.cursor = "tencent_api cursor v1\n" + std::to_string(point) + "\n" + keys.serialize();

  test::RecordingSink sink;
  TencentApiSource source(options(), sink);
  source.restore(saved);
  CHECK(source.state().cursor == saved.cursor);
  // Polling starts the fetch thread from there; nothing was fetched (the
  // endpoint refuses), so nothing moves. stop() returns promptly.
  CHECK(source.poll(1 << 20) == 0);
  CHECK(source.state().cursor == saved.cursor);
  const auto start = std::chrono::steady_clock::now();
  source.stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  CHECK(sink.lines.empty());
}

TEST_CASE("an unusable cursor is ignored, not trusted", "[tencent_api_source]") {
  for (const char* bad : {"tencent_api cursor v9\n100\n", "tencent_api cursor v1\nabc\n",
                          "tencent_api cursor v1\n100\n1 2 d a\n", "garbage"}) {
    INFO(bad);
    test::RecordingSink sink;
    TencentApiSource source(options(), sink);
    source.restore(SourceState{"", {}, bad});
    CHECK(source.state().cursor.empty());
  }
}

TEST_CASE("the first poll starts lookback back", "[tencent_api_source]") {
  test::RecordingSink sink;
  TencentApiOptions o = options();
  o.lookback_seconds = 7200;
  TencentApiSource source(o, sink);
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  source.poll(1 << 20);
  const std::string cursor = source.state().cursor;
  source.stop();
  REQUIRE(cursor.starts_with("tencent_api cursor v1\n"));
  const int64_t point = std::stoll(cursor.substr(22));
  CHECK(point >= before - 7200);
  CHECK(point <= before - 7200 + 5);
}

}  // namespace sdx
