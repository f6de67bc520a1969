#include "app/rate_limited_log.h"

#include <spdlog/spdlog.h>

#include <array>

namespace sdx {

void RateLimitedLog::warn(std::string_view message) {
  auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= window_) {
    if (suppressed_in_window_ > 0) {
      spdlog::warn("{} similar messages suppressed in the last {}s", suppressed_in_window_,
                   window_.count());
    }
    window_start_ = now;
    logged_in_window_ = 0;
    suppressed_in_window_ = 0;
  }
  if (logged_in_window_ < burst_) {
    ++logged_in_window_;
    spdlog::warn("{}", message);
    return;
  }
  ++suppressed_in_window_;
  ++suppressed_total_;
}

std::string log_excerpt(std::string_view line, size_t max_bytes) {
  // txSecret in stream_param and the callback sign authenticate pushes and
  // callbacks: never write them to a log.
  static constexpr std::array<std::string_view, 3> kSecretMarkers = {"txSecret=", "\"sign\":\"",
                                                                     "txTime="};
  std::string masked(line.substr(0, max_bytes));
  for (std::string_view marker : kSecretMarkers) {
    size_t at = 0;
    while ((at = masked.find(marker, at)) != std::string::npos) {
      size_t value_start = at + marker.size();
      size_t value_end = masked.find_first_of("&\"", value_start);
      if (value_end == std::string::npos) value_end = masked.size();
      masked.replace(value_start, value_end - value_start, "***");
      at = value_start + 3;
    }
  }
  std::string out;
  out.reserve(masked.size() + 8);
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : masked) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (line.size() > max_bytes) out += "...";
  return out;
}

}  // namespace sdx
