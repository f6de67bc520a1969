#pragma once
// Message-only records (records API StopReason) whose text matches no row
// are logged once per distinct text, so users can report new wordings. The
// set is bounded: past the cap, new texts are only counted by the
// classifications_total{resolution="unmatched_message"} metric.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

namespace sdx {

class UnmatchedMessages {
 public:
  explicit UnmatchedMessages(size_t max_texts = 1000) : max_texts_(max_texts) {}
  // True when `message` was new and logged.
  bool note(std::string_view source, std::string_view message);
  size_t size() const { return seen_.size(); }

 private:
  const size_t max_texts_;
  std::unordered_set<std::string> seen_;
  bool cap_logged_ = false;
};

}  // namespace sdx
