#pragma once
// The code table: built-in rows plus config additions/overrides. Immutable
// once the exporter runs; entries have dense indices 0..size()-1 used as
// counter slots.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "classify/code_entry.h"

namespace sdx {

class CodeTable {
 public:
  CodeTable() = default;
  static CodeTable builtin();

  // Adds a row, or replaces the row with the same (errcode, sub_errcode).
  // Returns its index.
  uint32_t upsert(CodeEntry entry);

  std::optional<uint32_t> find(int64_t errcode, int64_t sub_errcode) const {
    if (sub_errcode == 0 && is_direct(errcode)) {
      const int32_t index = direct_[static_cast<size_t>(errcode)].zero_index;
      return index < 0 ? std::nullopt : std::optional<uint32_t>(static_cast<uint32_t>(index));
    }
    return find_sorted(errcode, sub_errcode);
  }
  const CodeEntry& at(uint32_t index) const { return entries_[index]; }
  size_t size() const { return entries_.size(); }
  std::span<const CodeEntry> entries() const { return entries_; }

  // Indices of rows of this errcode with a non-zero sub_errcode (the ones a
  // missing sub-code may be recovered to from the message).
  std::vector<uint32_t> sub_codes_of(int64_t errcode) const;

  // Whether this errcode has rows with a non-zero sub_errcode (18, 21): such
  // an errcode needs a sub-code, so an explicit 0 counts as absent. Hot path:
  // no allocation.
  bool has_sub_codes(int64_t errcode) const {
    if (is_direct(errcode)) return direct_[static_cast<size_t>(errcode)].has_sub_codes;
    return has_sub_codes_sorted(errcode);
  }

 private:
  void reindex();
  bool is_direct(int64_t errcode) const {
    return errcode >= 0 && errcode < kDirectErrcodes && !direct_.empty();
  }
  std::optional<uint32_t> find_sorted(int64_t errcode, int64_t sub_errcode) const;
  bool has_sub_codes_sorted(int64_t errcode) const;

  struct Key {
    int64_t errcode;
    int64_t sub_errcode;
    uint32_t index;
  };

  std::vector<CodeEntry> entries_;
  // Hot path (inline, one load): errcodes 0..kDirectErrcodes-1.
  static constexpr int64_t kDirectErrcodes = 256;
  struct DirectSlot {
    int32_t zero_index = -1;  // row of (errcode, 0); -1 = absent
    bool has_sub_codes = false;
  };
  std::vector<DirectSlot> direct_;
  std::vector<Key> sorted_;                  // every row, by (errcode, sub_errcode)
  std::vector<int64_t> errcodes_with_subs_;  // sorted, unique
};

}  // namespace sdx
