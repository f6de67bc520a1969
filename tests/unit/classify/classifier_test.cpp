#include "classify/classifier.h"

#include <catch2/catch.hpp>

#include <string>

namespace sdx {
namespace {

struct Fixture {
  CodeTable table = CodeTable::builtin();
  Classifier classifier{table};

  Category category(const Classification& c) const {
    return c.index ? table.at(*c.index).category : Category::unknown;
  }
  std::string reason(const Classification& c) const {
    return c.index ? table.at(*c.index).reason : std::string("(none)");
  }
};

constexpr const char* kArrearsZh = "账号欠费，您的直播服务已被暂时关停，请及时充值";

}  // namespace

TEST_CASE("resolution names", "[classify]") {
  CHECK(resolution_name(Resolution::table) == "table");
  CHECK(resolution_name(Resolution::from_message) == "from_message");
  CHECK(resolution_name(Resolution::fallback) == "fallback");
  CHECK(resolution_name(Resolution::unlisted) == "unlisted");
  CHECK(resolution_name(Resolution::unmatched_message) == "unmatched_message");
}

TEST_CASE("plain codes resolve from the table, sub-code absent or 0", "[classify]") {
  Fixture f;
  auto absent = f.classifier.classify(1, std::nullopt, "The push client stopped the stream.");
  CHECK(absent.resolution == Resolution::table);
  CHECK(absent.errcode == 1);
  CHECK(absent.sub_errcode == 0);
  CHECK(f.category(absent) == Category::client_closed);

  auto zero = f.classifier.classify(1, 0, "");
  CHECK(zero.resolution == Resolution::table);
  CHECK(zero.index == absent.index);

  // Classification is on errcode; the message of a plain code is never consulted.
  auto odd_message = f.classifier.classify(19, std::nullopt, kArrearsZh);
  CHECK(odd_message.resolution == Resolution::table);
  CHECK(f.category(odd_message) == Category::auth);

  CHECK(f.category(f.classifier.classify(37, std::nullopt, "")) == Category::idle);
  CHECK(f.category(f.classifier.classify(16, std::nullopt, "")) == Category::network);
  CHECK(f.category(f.classifier.classify(0, std::nullopt, "")) == Category::unknown);
  CHECK(f.classifier.classify(0, std::nullopt, "").resolution == Resolution::table);
}

TEST_CASE("explicit sub-codes are used as is", "[classify]") {
  Fixture f;
  auto arrears = f.classifier.classify(18, 202, "");
  CHECK(arrears.resolution == Resolution::table);
  CHECK(arrears.sub_errcode == 202);
  CHECK(f.category(arrears) == Category::arrears);
  CHECK(f.reason(arrears) == "account_arrears");

  // The message does not override an explicit sub-code.
  auto explicit_wins = f.classifier.classify(18, 503, kArrearsZh);
  CHECK(explicit_wins.resolution == Resolution::table);
  CHECK(f.category(explicit_wins) == Category::auth);

  auto replaced = f.classifier.classify(21, 103, "");
  CHECK(f.category(replaced) == Category::replaced);

  // An explicit pair not in the table is unlisted, codes kept, message ignored.
  auto unknown_sub = f.classifier.classify(18, 999, kArrearsZh);
  CHECK(unknown_sub.resolution == Resolution::unlisted);
  CHECK_FALSE(unknown_sub.index);
  CHECK(unknown_sub.errcode == 18);
  CHECK(unknown_sub.sub_errcode == 999);

  auto plain_with_sub = f.classifier.classify(1, 5, "");
  CHECK(plain_with_sub.resolution == Resolution::unlisted);
  CHECK(plain_with_sub.sub_errcode == 5);
}

TEST_CASE("18 without sub-code: recovered from Chinese, English and odd spellings", "[classify]") {
  Fixture f;
  struct Case {
    const char* message;
    int64_t sub;
    Category category;
  };
  const Case cases[] = {
      {kArrearsZh, 202, Category::arrears},
      {"账号欠费,您的直播服务已被暂时关停,请及时充值。", 202, Category::arrears},
      {"Your CSS services have been suspended due to overdue payments. Please top up your "
       "account balance.",
       202, Category::arrears},
      {"YOUR css SERVICES have been suspended due to overdue payments please top up your "
       "account balance",
       202, Category::arrears},
      {"You CSS service has been temporarily disabled due to arrears of your account. Please "
       "top up promptly.",
       202, Category::arrears},
      {"您的直播服务已被关停", 201, Category::account},
      {"Ａｕｔｈｅｎｔｉｃａｔｉｏｎ　ｆａｉｌｅｄ．", 503, Category::auth},
      {"  Authentication\t\tfailed \r\n", 503, Category::auth},
      {"推流客户端 IP 在黑名单中", 400, Category::ip_acl},
      {"推流客户端IP在黑名单中", 400, Category::ip_acl},
      {"推流客户端\xE3\x80\x80ＩＰ\xC2\xA0在黑名单中。", 400, Category::ip_acl},
      {"The push domain name is disabled.", 303, Category::banned},
      {"Reached the maximum number of streams that can be pushed.", 600, Category::quota},
      {"不允许直接使用 IP 地址推流", 300, Category::push_url_invalid},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    auto result = f.classifier.classify(18, std::nullopt, c.message);
    CHECK(result.resolution == Resolution::from_message);
    CHECK(result.errcode == 18);
    CHECK(result.sub_errcode == c.sub);
    CHECK(f.category(result) == c.category);
  }
}

TEST_CASE("18 with a message shared by sub-codes of one category counts in it", "[classify]") {
  Fixture f;
  const std::pair<const char*, Category> cases[] = {
      {"CSS system internal error.", Category::internal_error},       // 18/100..104
      {"直播系统内部错误", Category::internal_error},                 // 18/100..104
      {"Your CSS services have been suspended.", Category::account},  // 18/201 and 18/203
  };
  for (const auto& [message, category] : cases) {
    INFO(message);
    auto result = f.classifier.classify(18, std::nullopt, message);
    CHECK(result.resolution == Resolution::category_from_message);
    CHECK(result.category == category);
    CHECK_FALSE(result.index);
    CHECK(result.errcode == 18);
    CHECK(result.errcode_known);
    CHECK_FALSE(result.sub_errcode_known);  // exported as sub_errcode=""
  }
}

TEST_CASE("18 with an unknown message falls back to push_rejected", "[classify]") {
  Fixture f;
  const char* messages[] = {
      "",
      "push url maybe invalid",  // legacy, names no sub-code
      "something nobody documented",
  };
  for (const char* message : messages) {
    INFO(message);
    auto result = f.classifier.classify(18, std::nullopt, message);
    CHECK(result.resolution == Resolution::fallback);
    CHECK(result.errcode == 18);
    CHECK(result.sub_errcode == 0);
    CHECK(f.category(result) == Category::push_rejected);
    CHECK(f.reason(result) == "push_rejected_unspecified");
  }
}

TEST_CASE("explicit 18/0 counts as absent", "[classify]") {
  Fixture f;
  auto matched = f.classifier.classify(18, 0, kArrearsZh);
  CHECK(matched.resolution == Resolution::from_message);
  CHECK(matched.sub_errcode == 202);
  CHECK(f.category(matched) == Category::arrears);

  auto unmatched = f.classifier.classify(18, 0, "");
  CHECK(unmatched.resolution == Resolution::fallback);
  CHECK(unmatched.sub_errcode == 0);
  CHECK(f.category(unmatched) == Category::push_rejected);
}

TEST_CASE("21 without sub-code: recovered or stream_control", "[classify]") {
  Fixture f;
  auto drop = f.classifier.classify(21, std::nullopt, "收到客户调用的断流请求");
  CHECK(drop.resolution == Resolution::from_message);
  CHECK(drop.sub_errcode == 100);
  CHECK(f.category(drop) == Category::api_request);

  auto replaced = f.classifier.classify(21, 0, "A new push URL replaced the current one.");
  CHECK(replaced.sub_errcode == 102);
  CHECK(f.category(replaced) == Category::replaced);

  auto unknown = f.classifier.classify(21, std::nullopt, "stopped");
  CHECK(unknown.resolution == Resolution::fallback);
  CHECK(unknown.sub_errcode == 0);
  CHECK(f.category(unknown) == Category::stream_control);
  CHECK(f.reason(unknown) == "stream_control_unspecified");
}

TEST_CASE("codes not in the table are unlisted with their codes kept", "[classify]") {
  Fixture f;
  auto absent = f.classifier.classify(99, std::nullopt, kArrearsZh);
  CHECK(absent.resolution == Resolution::unlisted);
  CHECK_FALSE(absent.index);
  CHECK(absent.errcode == 99);
  CHECK(absent.sub_errcode == 0);
  CHECK(f.category(absent) == Category::unknown);

  auto with_sub = f.classifier.classify(99, 7, "");
  CHECK(with_sub.resolution == Resolution::unlisted);
  CHECK(with_sub.errcode == 99);
  CHECK(with_sub.sub_errcode == 7);

  auto negative = f.classifier.classify(-1, std::nullopt, "");
  CHECK(negative.resolution == Resolution::unlisted);
  CHECK(negative.errcode == -1);

  auto large = f.classifier.classify(100000, std::nullopt, "");
  CHECK(large.resolution == Resolution::unlisted);
  CHECK(large.errcode == 100000);
}

TEST_CASE("config overrides change categories and add codes", "[classify]") {
  CodeTable table = CodeTable::builtin();
  CodeEntry idle_one;
  idle_one.errcode = 1;
  idle_one.category = Category::idle;
  idle_one.reason = "custom_client_idle";
  const uint32_t slot = table.upsert(idle_one);
  CodeEntry codec;
  codec.errcode = 40;
  codec.category = Category::protocol_error;
  codec.reason = "bad_codec";
  codec.message_en = "Unsupported codec";
  codec.message_zh = "编码不支持";
  table.upsert(codec);
  CodeEntry arrears = table.at(*table.find(18, 202));
  arrears.category = Category::account;
  table.upsert(arrears);

  const Classifier classifier(table);
  auto one = classifier.classify(1, std::nullopt, "");
  CHECK(one.index == slot);
  CHECK(table.at(*one.index).category == Category::idle);

  auto forty = classifier.classify(40, std::nullopt, "");
  CHECK(forty.resolution == Resolution::table);
  CHECK(table.at(*forty.index).category == Category::protocol_error);

  auto recovered = classifier.classify(18, std::nullopt, kArrearsZh);
  CHECK(recovered.sub_errcode == 202);
  CHECK(table.at(*recovered.index).category == Category::account);

  auto message_only = classifier.classify_message("编码不支持");
  CHECK(message_only.resolution == Resolution::from_message);
  CHECK(message_only.errcode == 40);
}

TEST_CASE("classify_message resolves StopReason text only on a unique match", "[classify]") {
  Fixture f;
  // The records API's example StopReasons are not table wordings: the table
  // says 推流客户端主动断流 / "The push client stopped the stream." (and older
  // "...actively stopped the push."), and even the exact table text is shared
  // by 1, 2, 3, 4 and 35. So they match no single row: unknown, not guessed.
  for (const char* reason : {"客户端主动断流", "The client interrupted the stream"}) {
    INFO(reason);
    auto result = f.classifier.classify_message(reason);
    CHECK(result.resolution == Resolution::unmatched_message);
    CHECK_FALSE(result.index);
    CHECK(result.category == Category::unknown);
    CHECK_FALSE(result.errcode_known);
  }
  // The exact table text shared by 1, 2, 3, 4 and 35 (all client_closed):
  // that category, with both codes left empty.
  for (const char* reason : {"推流客户端主动断流", "The push client stopped the stream."}) {
    INFO(reason);
    auto result = f.classifier.classify_message(reason);
    CHECK(result.resolution == Resolution::category_from_message);
    CHECK_FALSE(result.index);
    CHECK(result.category == Category::client_closed);
    CHECK_FALSE(result.errcode_known);
    CHECK_FALSE(result.sub_errcode_known);
  }

  // Wordings that belong to one row resolve to its codes.
  auto arrears = f.classifier.classify_message(kArrearsZh);
  CHECK(arrears.resolution == Resolution::from_message);
  CHECK(arrears.errcode == 18);
  CHECK(arrears.sub_errcode == 202);
  CHECK(f.category(arrears) == Category::arrears);

  auto amf = f.classifier.classify_message("RTMP AMF 数据异常");
  CHECK(amf.resolution == Resolution::from_message);
  CHECK(amf.errcode == 33);
  CHECK(amf.sub_errcode == 0);
  CHECK(f.category(amf) == Category::protocol_error);

  auto srs = f.classifier.classify_message("SRS 断开没有播放的流");
  CHECK(srs.errcode == 37);
  CHECK(f.category(srs) == Category::idle);
}

}  // namespace sdx
