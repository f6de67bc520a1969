#pragma once
// The de-duplication keys of callbacks already counted (dedup_key.h), each
// kept for `window` after it was first counted, at most `max_keys` of them:
// at the cap the oldest key goes first (counted as an eviction), so a flood
// of distinct callbacks costs bounded memory. Owned by the ingest thread;
// saved in the source's checkpoint cursor with the positions and counters.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace sdx {

class WebhookDedup {
 public:
  WebhookDedup(std::chrono::seconds window, size_t max_keys);

  // True when `key` is new (kept from `now`, unix seconds), false for a
  // duplicate. Forgets keys past the window first.
  bool insert(uint64_t key, int64_t now);
  void expire(int64_t now);
  size_t size() const { return set_.size(); }
  uint64_t evictions() const { return evictions_; }

  // One "hex-key unix-time" line per key, oldest first.
  std::string serialize() const;
  // Replaces the keys with those of `text`; false (and empty) when malformed.
  bool parse(std::string_view text);

 private:
  void add(uint64_t key, int64_t time);

  std::chrono::seconds window_;
  size_t max_keys_;
  std::deque<std::pair<uint64_t, int64_t>> order_;  // first seen, oldest first
  std::unordered_set<uint64_t> set_;
  uint64_t evictions_ = 0;
};

}  // namespace sdx
