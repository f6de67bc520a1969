#pragma once
// Bad input must be visible in the log without one log line per bad line:
// at most `burst` lines per `window`, then one summary of what was held back.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sdx {

class RateLimitedLog {
 public:
  RateLimitedLog(size_t burst = 5, std::chrono::seconds window = std::chrono::seconds(10))
      : burst_(burst), window_(window) {}
  // Logs a warning unless over the limit for the current window.
  void warn(std::string_view message);
  uint64_t suppressed_total() const { return suppressed_total_; }

 private:
  const size_t burst_;
  const std::chrono::seconds window_;
  std::chrono::steady_clock::time_point window_start_{};
  size_t logged_in_window_ = 0;
  uint64_t suppressed_in_window_ = 0;
  uint64_t suppressed_total_ = 0;
};

// A short, safe excerpt of a bad line for the log: at most `max_bytes`,
// control and non-ASCII bytes escaped, push-URL secrets and signatures masked.
std::string log_excerpt(std::string_view line, size_t max_bytes = 160);

}  // namespace sdx
