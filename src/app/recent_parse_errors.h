#pragma once
// The last few parse errors of the whole process, for the status page: the
// same masked excerpt the log shows (log_excerpt), with when and where.
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sdx {

struct RecentParseError {
  std::chrono::system_clock::time_point when;
  std::string source;
  std::string reason;
  std::string excerpt;  // masked and escaped already
};

class RecentParseErrors {
 public:
  explicit RecentParseErrors(size_t capacity = 10) : capacity_(capacity) {}
  // `line` is masked and shortened here.
  void add(std::string_view source, std::string_view reason, std::string_view line);
  // Newest first.
  std::vector<RecentParseError> snapshot() const;

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<RecentParseError> errors_;
};

// The process-wide one the event pipelines feed.
RecentParseErrors& recent_parse_errors();

}  // namespace sdx
