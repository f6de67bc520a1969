#include "classify/message_matcher.h"

#include <catch2/catch.hpp>

#include <string>

namespace sdx {
namespace {

int64_t sub_of(const CodeTable& table, std::optional<uint32_t> index) {
  REQUIRE(index);
  return table.at(*index).sub_errcode;
}

}  // namespace

TEST_CASE("match_sub_code recovers a unique 18 sub-code from each wording", "[classify]") {
  const CodeTable table = CodeTable::builtin();
  const MessageMatcher matcher(table);
  // Chinese, current English, older English ("CSS" and "LVB" editions, uncoded list).
  CHECK(sub_of(table, matcher.match_sub_code(
                          18, "账号欠费，您的直播服务已被暂时关停，请及时充值")) == 202);
  CHECK(sub_of(table, matcher.match_sub_code(18,
                                             "Your CSS services have been suspended due to "
                                             "overdue payments. Please top up your account "
                                             "balance.")) == 202);
  CHECK(sub_of(table, matcher.match_sub_code(18,
                                             "You CSS service has been temporarily disabled "
                                             "due to arrears of your account. Please top up "
                                             "promptly.")) == 202);
  CHECK(sub_of(table, matcher.match_sub_code(18,
                                             "You LVB service has been temporarily disabled "
                                             "due to arrears in your account. Please top up "
                                             "promptly.")) == 202);
  CHECK(sub_of(table, matcher.match_sub_code(18, "Authentication failed.")) == 503);
  CHECK(sub_of(table, matcher.match_sub_code(18,
                                             "Authentication parameter verification "
                                             "failed.")) == 503);
  CHECK(sub_of(table, matcher.match_sub_code(18,
                                             "We have suspended CSS services for your "
                                             "account.")) == 203);
  CHECK(sub_of(table, matcher.match_sub_code(18, "推流的流名称处于禁播状态")) == 305);
  CHECK(sub_of(table, matcher.match_sub_code(21, "A new push URL replaced the current one.")) ==
        102);
  CHECK(sub_of(table, matcher.match_sub_code(21, "收到新的推流链接顶替当前无数据的推流")) == 103);
}

TEST_CASE("match_sub_code: Chinese is unique where English is not", "[classify]") {
  const CodeTable table = CodeTable::builtin();
  const MessageMatcher matcher(table);
  // 201 and 203 share the current English text; their Chinese differs.
  CHECK_FALSE(matcher.match_sub_code(18, "Your CSS services have been suspended."));
  CHECK(sub_of(table, matcher.match_sub_code(18, "您的直播服务已被关停")) == 201);
  CHECK(sub_of(table, matcher.match_sub_code(18, "您的直播服务已被强制关停")) == 203);
}

TEST_CASE("match_sub_code refuses ambiguous, unknown and plain-code messages", "[classify]") {
  const CodeTable table = CodeTable::builtin();
  const MessageMatcher matcher(table);
  // 18/100..104 all say "internal error".
  CHECK_FALSE(matcher.match_sub_code(18, "CSS system internal error."));
  CHECK_FALSE(matcher.match_sub_code(18, "直播系统内部错误"));
  // Legacy 18 text names no sub-code.
  CHECK_FALSE(matcher.match_sub_code(18, "push url maybe invalid"));
  CHECK_FALSE(matcher.match_sub_code(18, ""));
  CHECK_FALSE(matcher.match_sub_code(18, "   ...   "));
  CHECK_FALSE(matcher.match_sub_code(18, "something else entirely"));
  // A message of another errcode's sub-code does not cross over.
  CHECK_FALSE(matcher.match_sub_code(21, "账号欠费，您的直播服务已被暂时关停，请及时充值"));
  // Plain codes have no non-zero sub-codes to recover.
  CHECK_FALSE(matcher.match_sub_code(1, "recv rtmp deleteStream"));
  CHECK_FALSE(matcher.match_sub_code(99, "Authentication failed."));
}

TEST_CASE("match_any finds a unique row over the whole table", "[classify]") {
  const CodeTable table = CodeTable::builtin();
  const MessageMatcher matcher(table);
  auto arrears = matcher.match_any("账号欠费，您的直播服务已被暂时关停，请及时充值");
  REQUIRE(arrears);
  CHECK(table.at(*arrears).errcode == 18);
  CHECK(table.at(*arrears).sub_errcode == 202);

  auto amf = matcher.match_any("RTMP AMF error.");
  REQUIRE(amf);
  CHECK(table.at(*amf).errcode == 33);

  auto legacy = matcher.match_any("recv rtmp deleteStream");
  REQUIRE(legacy);
  CHECK(table.at(*legacy).errcode == 1);

  // Shared by 1, 2, 3, 4 and 35: same category, but uniqueness is what counts.
  CHECK_FALSE(matcher.match_any("推流客户端主动断流"));
  CHECK_FALSE(matcher.match_any("Unknown reason."));
  CHECK_FALSE(matcher.match_any("CSS system internal error."));
  CHECK_FALSE(matcher.match_any(""));
  CHECK_FALSE(matcher.match_any("no such message"));
}

TEST_CASE("matcher indexes aliases of config rows", "[classify]") {
  CodeTable table;
  CodeEntry a;
  a.errcode = 50;
  a.sub_errcode = 1;
  a.reason = "custom_a";
  a.message_en = "Custom A";
  a.message_aliases = {"old a", "shared"};
  CodeEntry b = a;
  b.sub_errcode = 2;
  b.reason = "custom_b";
  b.message_en = "Custom B";
  b.message_aliases = {"shared", "!!!"};  // all punctuation: never indexed
  table.upsert(a);
  table.upsert(b);
  const MessageMatcher matcher(table);
  CHECK(sub_of(table, matcher.match_sub_code(50, "OLD-A")) == 1);
  CHECK(sub_of(table, matcher.match_sub_code(50, "custom b")) == 2);
  CHECK_FALSE(matcher.match_sub_code(50, "shared"));
  CHECK_FALSE(matcher.match_sub_code(50, "?"));
  CHECK_FALSE(matcher.match_any("shared"));
}

}  // namespace sdx
