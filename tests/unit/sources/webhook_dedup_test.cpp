#include "sources/webhook_dedup.h"

#include <catch2/catch.hpp>

namespace sdx {

using std::chrono::seconds;

TEST_CASE("webhook dedup: a key is a duplicate within its window only", "[webhook][dedup]") {
  WebhookDedup dedup(seconds(1800), 100);
  CHECK(dedup.insert(1, 1000));
  CHECK_FALSE(dedup.insert(1, 1000));
  CHECK_FALSE(dedup.insert(1, 1000 + 1800));  // still inside
  CHECK(dedup.insert(2, 1000 + 1800));
  CHECK(dedup.insert(1, 1000 + 1801));  // expired, counted again
  CHECK(dedup.size() == 2);
  CHECK(dedup.evictions() == 0);
}

TEST_CASE("webhook dedup: the cap evicts the oldest keys and counts them", "[webhook][dedup]") {
  WebhookDedup dedup(seconds(1800), 3);
  for (uint64_t key = 1; key <= 5; ++key) CHECK(dedup.insert(key, 100));
  CHECK(dedup.size() == 3);
  CHECK(dedup.evictions() == 2);
  CHECK(dedup.insert(1, 100));        // evicted: new again
  CHECK_FALSE(dedup.insert(5, 100));  // kept
}

TEST_CASE("webhook dedup: saved and restored with its times", "[webhook][dedup]") {
  WebhookDedup dedup(seconds(60), 10);
  dedup.insert(0xabcdef0123456789ULL, 100);
  dedup.insert(7, 130);
  const std::string text = dedup.serialize();
  CHECK(text == "abcdef0123456789 100\n7 130\n");

  WebhookDedup restored(seconds(60), 10);
  REQUIRE(restored.parse(text));
  CHECK(restored.size() == 2);
  CHECK_FALSE(restored.insert(7, 150));
  // The first key's window ends at 160, the second's at 190.
  CHECK(restored.insert(0xabcdef0123456789ULL, 161));
  CHECK_FALSE(restored.insert(7, 161));

  WebhookDedup bad(seconds(60), 10);
  CHECK_FALSE(bad.parse("zz 1\n"));
  CHECK_FALSE(bad.parse("12 x\n"));
  CHECK_FALSE(bad.parse("12 1"));  // no final newline: cut short
  CHECK(bad.size() == 0);
  CHECK(bad.parse(""));
}

}  // namespace sdx
