#include "sources/webhook_dedup.h"

#include <charconv>

namespace sdx {

WebhookDedup::WebhookDedup(std::chrono::seconds window, size_t max_keys)
    : window_(window), max_keys_(max_keys == 0 ? 1 : max_keys) {}

void WebhookDedup::expire(int64_t now) {
  const int64_t oldest = now - window_.count();
  while (!order_.empty() && order_.front().second < oldest) {
    set_.erase(order_.front().first);
    order_.pop_front();
  }
}

void WebhookDedup::add(uint64_t key, int64_t time) {
  while (set_.size() >= max_keys_ && !order_.empty()) {
    set_.erase(order_.front().first);
    order_.pop_front();
    ++evictions_;
  }
  set_.insert(key);
  order_.emplace_back(key, time);
}

bool WebhookDedup::insert(uint64_t key, int64_t now) {
  expire(now);
  if (set_.count(key) != 0) return false;
  add(key, now);
  return true;
}

std::string WebhookDedup::serialize() const {
  std::string out;
  out.reserve(order_.size() * 28);
  char buffer[48];
  for (const auto& [key, time] : order_) {
    char* end = std::to_chars(buffer, buffer + 20, key, 16).ptr;
    *end++ = ' ';
    end = std::to_chars(end, buffer + sizeof buffer - 1, time).ptr;
    *end++ = '\n';
    out.append(buffer, end);
  }
  return out;
}

bool WebhookDedup::parse(std::string_view text) {
  order_.clear();
  set_.clear();
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) break;
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    const size_t space = line.find(' ');
    uint64_t key = 0;
    int64_t time = 0;
    const char* end = line.data() + line.size();
    if (space == std::string_view::npos ||
        std::from_chars(line.data(), line.data() + space, key, 16).ptr != line.data() + space ||
        std::from_chars(line.data() + space + 1, end, time).ptr != end) {
      order_.clear();
      set_.clear();
      return false;
    }
    if (set_.count(key) == 0) add(key, time);
  }
  if (!text.empty()) {
    order_.clear();
    set_.clear();
    return false;
  }
  return true;
}

}  // namespace sdx
