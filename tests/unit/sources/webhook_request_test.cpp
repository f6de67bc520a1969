#include "sources/webhook_request.h"

#include <catch2/catch.hpp>

#include "app/rate_limited_log.h"

namespace sdx {
namespace {

// md5("secretkey1703732206"), computed with Python's hashlib.
const std::string kSign = "5fd2983d658ba5f4997f13975c82d975";
constexpr int64_t kT = 1703732206;

std::string body(int event_type, const std::string& sign = kSign, int64_t t = kT) {
  return R"({"event_type":)" + std::to_string(event_type) + R"(,"errcode":1,"sequence":"9",)" +
         R"("stream_id":"s","t":)" + std::to_string(t) + R"(,"sign":")" + sign + R"("})";
}

WebhookRules signed_rules() {
  WebhookRules rules;
  rules.sign_key = "secretkey";
  rules.expiry_grace = std::chrono::seconds(300);
  return rules;
}

using Action = WebhookVerdict::Action;

}  // namespace

TEST_CASE("webhook body: signed disconnects and pushes are spooled", "[webhook][request]") {
  CHECK(check_webhook_body(signed_rules(), body(0), kT).action == Action::spool);
  CHECK(check_webhook_body(signed_rules(), body(1), kT + 300).action == Action::spool);
  // t given as a string of digits.
  const std::string quoted_t =
      R"({"event_type":0,"errcode":1,"t":"1703732206","sign":")" + kSign + "\"}";
  CHECK(check_webhook_body(signed_rules(), quoted_t, kT).action == Action::spool);
  // Without a key nothing is checked.
  CHECK(check_webhook_body(WebhookRules{}, R"({"event_type":0})", kT).action == Action::spool);
}

TEST_CASE("webhook body: refusals by reason and status", "[webhook][request]") {
  auto refused = [](const WebhookRules& rules, const std::string& text, int64_t now) {
    const WebhookVerdict verdict = check_webhook_body(rules, text, now);
    REQUIRE(verdict.action == Action::reject);
    return std::pair(std::string(rejection_name(verdict.rejection)),
                     rejection_status(verdict.rejection));
  };
  using R = std::pair<std::string, int>;
  CHECK(refused(signed_rules(), body(0, "0" + kSign.substr(1)), kT) == R{"bad_sign", 401});
  CHECK(refused(signed_rules(), R"({"event_type":0,"errcode":1})", kT) == R{"bad_sign", 401});
  CHECK(refused(signed_rules(), body(0), kT + 301) == R{"expired", 403});
  CHECK(refused(signed_rules(), "", kT) == R{"bad_content", 400});
  CHECK(refused(signed_rules(), " \r\n", kT) == R{"bad_content", 400});
  CHECK(refused(signed_rules(), "[1]", kT) == R{"bad_content", 400});
  CHECK(refused(signed_rules(), R"({"errcode":1})", kT) == R{"bad_content", 400});
  CHECK(refused(signed_rules(), R"({"event_type":"x"})", kT) == R{"bad_content", 400});
  CHECK(refused(signed_rules(), R"({"event_type":0,)", kT) == R{"bad_json", 400});
  CHECK(refused(signed_rules(), "{\"event_type\":0,\"e\":\"\xff\"}", kT) == R{"bad_json", 400});
  CHECK(rejection_status(WebhookRejection::too_large) == 413);
  CHECK(rejection_status(WebhookRejection::bad_method) == 405);
  CHECK(rejection_status(WebhookRejection::bad_path) == 404);
}

TEST_CASE("webhook body: other event types are acknowledged and ignored", "[webhook][request]") {
  auto ignored = [](const std::string& text) {
    const WebhookVerdict verdict = check_webhook_body(signed_rules(), text, kT);
    REQUIRE(verdict.action == Action::ignore);
    return std::string(ignored_event_type_label(verdict.ignored_index));
  };
  CHECK(ignored(R"({"event_type":100})") == "100");
  CHECK(ignored(R"({"event_type":200,"sign":"wrong"})") == "200");
  CHECK(ignored(R"({"event_type":321})") == "321");
  CHECK(ignored(R"({"event_type":329,"data":{}})") == "329");
  CHECK(ignored(R"({"event_type":330})") == "330");
  CHECK(ignored(R"({"event_type":341})") == "other");
  CHECK(ignored(R"({"event_type":-1})") == "other");
  // format: json has no event types: anything well-formed is spooled.
  WebhookRules json_rules;
  json_rules.tencent_callback = false;
  CHECK(check_webhook_body(json_rules, R"({"kind":"end"})", kT).action == Action::spool);
}

TEST_CASE("webhook body: CR and LF become spaces in the spool line", "[webhook][request]") {
  CHECK(one_line("{\r\n\"a\": 1,\n\"b\":2\r}") == "{  \"a\": 1, \"b\":2 }");
}

TEST_CASE("log excerpt of a callback body masks sign, t and push secrets", "[webhook][request]") {
  const std::string text = R"({"sign" : "5fd2983d658ba5f4997f13975c82d975", "t":1703732206,)"
                           R"( "stream_param":"txSecret=abcdef0123&txTime=65A1B2C3&x=1"})";
  const std::string excerpt = log_excerpt(text, 4096);
  CHECK(excerpt.find("5fd2983d") == std::string::npos);
  CHECK(excerpt.find("1703732206") == std::string::npos);
  CHECK(excerpt.find("abcdef0123") == std::string::npos);
  CHECK(excerpt.find("65A1B2C3") == std::string::npos);
  CHECK(excerpt.find("x=1") != std::string::npos);
}

}  // namespace sdx
