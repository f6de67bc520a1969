#include "app/rate_limited_log.h"

#include <algorithm>

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

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Replaces text[from, to) with "***"; returns where scanning goes on.
size_t mask(std::string& text, size_t from, size_t to) {
  text.replace(from, to - from, "***");
  return from + 3;
}

// A JSON member `"key" : value`, whatever the spacing: the value (a string
// up to its closing quote, else up to the next , } ] or space) is masked.
void mask_json_member(std::string& text, std::string_view key) {
  const std::string quoted_key = "\"" + std::string(key) + "\"";
  size_t at = 0;
  while ((at = text.find(quoted_key, at)) != std::string::npos) {
    size_t i = at + quoted_key.size();
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size() || text[i] != ':') {
      at = i;
      continue;
    }
    ++i;
    while (i < text.size() && is_space(text[i])) ++i;
    size_t end = i;
    if (i < text.size() && text[i] == '"') {
      ++i;
      end = i;
      while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
      end = std::min(end, text.size());
    } else {
      while (end < text.size() && text[end] != ',' && text[end] != '}' && text[end] != ']' &&
             !is_space(text[end])) {
        ++end;
      }
    }
    at = mask(text, i, end);
  }
}

// `key=value` in a query string (stream_param): masked up to & " or space.
void mask_query_param(std::string& text, std::string_view key) {
  const std::string marker = std::string(key) + "=";
  size_t at = 0;
  while ((at = text.find(marker, at)) != std::string::npos) {
    const size_t start = at + marker.size();
    size_t end = start;
    while (end < text.size() && text[end] != '&' && text[end] != '"' && !is_space(text[end])) {
      ++end;
    }
    at = mask(text, start, end);
  }
}

}  // namespace

std::string log_excerpt(std::string_view line, size_t max_bytes) {
  // txSecret/txTime in stream_param, and the callback's sign and t,
  // authenticate pushes and callbacks: never write them to a log, however
  // the JSON around them is spaced.
  std::string masked(line.substr(0, max_bytes));
  for (std::string_view key : {"sign", "t", "txSecret", "txTime"}) mask_json_member(masked, key);
  for (std::string_view key : {"txSecret", "txTime"}) mask_query_param(masked, key);
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
