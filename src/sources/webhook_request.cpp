#include "sources/webhook_request.h"

#include <simdjson.h>

#include <array>
#include <charconv>

#include "sources/callback_signature.h"

namespace sdx {
namespace {

struct RejectionRow {
  WebhookRejection reason;
  std::string_view name;
  int status;
};
constexpr std::array<RejectionRow, kWebhookRejectionCount> kRejections = {{
    {WebhookRejection::bad_sign, "bad_sign", 401},
    {WebhookRejection::expired, "expired", 403},
    {WebhookRejection::bad_json, "bad_json", 400},
    {WebhookRejection::too_large, "too_large", 413},
    {WebhookRejection::bad_method, "bad_method", 405},
    {WebhookRejection::bad_path, "bad_path", 404},
    {WebhookRejection::bad_content, "bad_content", 400},
}};

// Event types acknowledged and ignored, by label; the last is the rest.
constexpr std::array<std::string_view, kIgnoredEventTypeCount> kIgnoredTypes = {
    "100", "200", "321", "329", "330", "other"};

WebhookVerdict reject(WebhookRejection reason, std::string detail) {
  WebhookVerdict verdict;
  verdict.action = WebhookVerdict::Action::reject;
  verdict.rejection = reason;
  verdict.detail = std::move(detail);
  return verdict;
}

// An integer member, also written as a string of digits.
std::optional<int64_t> integer_member(simdjson::dom::object object, std::string_view name) {
  simdjson::dom::element value;
  if (object.at_key(name).get(value) != simdjson::SUCCESS) return std::nullopt;
  int64_t number = 0;
  if (value.get_int64().get(number) == simdjson::SUCCESS) return number;
  uint64_t unsigned_number = 0;
  if (value.get_uint64().get(unsigned_number) == simdjson::SUCCESS) return std::nullopt;
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS || text.empty()) return std::nullopt;
  const char* end = text.data() + text.size();
  if (std::from_chars(text.data(), end, number).ptr != end) return std::nullopt;
  return number;
}

std::optional<WebhookVerdict> check_signature(const WebhookRules& rules,
                                              simdjson::dom::object object, int64_t now) {
  if (rules.sign_key.empty()) return std::nullopt;
  std::string_view sign;
  const std::optional<int64_t> t = integer_member(object, "t");
  if (!t) return reject(WebhookRejection::bad_sign, "no integer t");
  if (object["sign"].get_string().get(sign) != simdjson::SUCCESS) {
    return reject(WebhookRejection::bad_sign, "no sign string");
  }
  switch (check_callback_signature(rules.sign_key, *t, sign, now, rules.expiry_grace)) {
    case SignatureCheck::ok:
      return std::nullopt;
    case SignatureCheck::bad_sign:
      return reject(WebhookRejection::bad_sign, "sign does not match the key");
    case SignatureCheck::expired:
      return reject(WebhookRejection::expired,
                    "t expired " + std::to_string(now - *t) + " s ago, beyond the grace of " +
                        std::to_string(rules.expiry_grace.count()) + " s");
  }
  return std::nullopt;
}

}  // namespace

std::string_view rejection_name(WebhookRejection reason) {
  return kRejections[static_cast<size_t>(reason)].name;
}

int rejection_status(WebhookRejection reason) {
  return kRejections[static_cast<size_t>(reason)].status;
}

std::string_view ignored_event_type_label(size_t index) { return kIgnoredTypes[index]; }

size_t ignored_event_type_index(int64_t event_type) {
  const std::string text = std::to_string(event_type);
  for (size_t i = 0; i + 1 < kIgnoredTypes.size(); ++i) {
    if (kIgnoredTypes[i] == text) return i;
  }
  return kIgnoredTypes.size() - 1;
}

std::string one_line(std::string_view body) {
  std::string line(body);
  for (char& c : line) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return line;
}

WebhookVerdict check_webhook_body(const WebhookRules& rules, std::string_view body, int64_t now) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return reject(WebhookRejection::bad_content, "empty body");
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(body.data(), body.size()).get(root)) {
    return reject(WebhookRejection::bad_json, simdjson::error_message(error));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return reject(WebhookRejection::bad_content, "body is not a JSON object");
  }
  if (rules.tencent_callback) {
    const std::optional<int64_t> event_type = integer_member(object, "event_type");
    if (!event_type) return reject(WebhookRejection::bad_content, "no integer event_type");
    // Other event types are acknowledged unverified: they are never counted,
    // and StreamLive's (329/330) carry no t or sign.
    if (*event_type != 0 && *event_type != 1) {
      WebhookVerdict verdict;
      verdict.action = WebhookVerdict::Action::ignore;
      verdict.ignored_index = ignored_event_type_index(*event_type);
      return verdict;
    }
  }
  if (std::optional<WebhookVerdict> refused = check_signature(rules, object, now)) {
    return std::move(*refused);
  }
  WebhookVerdict verdict;
  verdict.action = WebhookVerdict::Action::spool;
  return verdict;
}

}  // namespace sdx
