#pragma once
// Records the API returned in an earlier window that a later window may
// return again (same domain, app, stream, start and end time): each is
// counted once. Only records ending at or after the processed point can
// come back, so only their keys are kept, which bounds the set.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace sdx {

struct RecordKey {
  std::string domain, app, stream;
  int64_t start = 0;
  int64_t end = 0;
  auto operator<=>(const RecordKey&) const = default;
};

class RecordDedup {
 public:
  // True the first time a key is seen, false for a duplicate.
  bool insert(const RecordKey& key);
  // Forgets keys of records that ended before `point` (the start of every
  // later window).
  void forget_before(int64_t point);
  size_t size() const { return keys_.size(); }

  // One line per key, for the source's cursor; parse() takes it back
  // (nullopt when malformed).
  std::string serialize() const;
  static std::optional<RecordDedup> parse(std::string_view text);

 private:
  std::set<RecordKey> keys_;
};

}  // namespace sdx
