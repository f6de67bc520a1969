#pragma once
// The alerting vocabulary: dashboards and alert rules depend on these names.
#include <cstdint>
#include <optional>
#include <string_view>

namespace sdx {

enum class Category : uint8_t {
  client_closed,
  network,
  idle,
  protocol_error,
  media_limit,
  internal_error,
  proxy_command,
  account,
  arrears,
  push_url_invalid,
  banned,
  ip_acl,
  auth,
  quota,
  api_request,
  replaced,
  push_rejected,
  stream_control,
  unknown,
};
inline constexpr size_t kCategoryCount = static_cast<size_t>(Category::unknown) + 1;

std::string_view category_name(Category category);
std::optional<Category> category_from_name(std::string_view name);

}  // namespace sdx
