#include "classify/category.h"

#include <array>

namespace sdx {
namespace {
constexpr std::array<std::string_view, kCategoryCount> kNames = {
    "client_closed",  "network",     "idle",           "protocol_error",   "media_limit",
    "internal_error", "proxy_command", "account",      "arrears",          "push_url_invalid",
    "banned",         "ip_acl",      "auth",           "quota",            "api_request",
    "replaced",       "push_rejected", "stream_control", "unknown",
};
}  // namespace

std::string_view category_name(Category category) {
  return kNames[static_cast<size_t>(category)];
}

std::optional<Category> category_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Category>(i);
  }
  return std::nullopt;
}

}  // namespace sdx
