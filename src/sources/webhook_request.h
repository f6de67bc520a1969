#pragma once
// What the webhook does with one POST body, decided on the HTTP thread
// before anything is written: refuse it (status + reason), acknowledge and
// ignore it (event types that are not pushes or disconnects), or spool it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sdx {

enum class WebhookRejection {
  bad_sign,
  expired,
  bad_json,
  too_large,
  bad_method,
  bad_path,
  bad_content
};
inline constexpr size_t kWebhookRejectionCount = 7;
// One table: reason label and HTTP status.
std::string_view rejection_name(WebhookRejection reason);
int rejection_status(WebhookRejection reason);

// Label values of ignored event types: the known ones, else "other".
inline constexpr size_t kIgnoredEventTypeCount = 6;
std::string_view ignored_event_type_label(size_t index);
size_t ignored_event_type_index(int64_t event_type);

struct WebhookRules {
  bool tencent_callback = true;  // event_type semantics; else any JSON object is spooled
  std::string sign_key;          // empty: no signature check
  std::chrono::seconds expiry_grace{300};
};

struct WebhookVerdict {
  enum class Action { spool, ignore, reject } action = Action::reject;
  WebhookRejection rejection = WebhookRejection::bad_content;  // action == reject
  size_t ignored_index = 0;                                    // action == ignore
  std::string detail;                                          // why, for the log (no secrets)
};

// Checks a POST body (`now`: unix seconds). Thread-safe.
WebhookVerdict check_webhook_body(const WebhookRules& rules, std::string_view body, int64_t now);

// The body as one spool line: raw CR and LF outside strings can only be
// JSON whitespace (inside strings they are invalid), so they become spaces.
std::string one_line(std::string_view body);

}  // namespace sdx
