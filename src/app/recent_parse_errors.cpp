#include "app/recent_parse_errors.h"

#include "app/rate_limited_log.h"

namespace sdx {

void RecentParseErrors::add(std::string_view source, std::string_view reason,
                            std::string_view line) {
  RecentParseError error{std::chrono::system_clock::now(), std::string(source), std::string(reason),
                         log_excerpt(line)};
  std::lock_guard lock(mutex_);
  if (errors_.size() >= capacity_) errors_.pop_back();
  errors_.push_front(std::move(error));
}

std::vector<RecentParseError> RecentParseErrors::snapshot() const {
  std::lock_guard lock(mutex_);
  return {errors_.begin(), errors_.end()};
}

RecentParseErrors& recent_parse_errors() {
  static RecentParseErrors errors;
  return errors;
}

}  // namespace sdx
