#include "classify/code_table.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "classify/builtin_codes.h"

namespace sdx {
namespace {

bool key_less(int64_t errcode_a, int64_t sub_a, int64_t errcode_b, int64_t sub_b) {
  return std::tie(errcode_a, sub_a) < std::tie(errcode_b, sub_b);
}

}  // namespace

CodeTable CodeTable::builtin() {
  CodeTable table;
  for (const CodeEntry& entry : builtin_code_entries()) table.upsert(entry);
  return table;
}

uint32_t CodeTable::upsert(CodeEntry entry) {
  if (auto existing = find(entry.errcode, entry.sub_errcode)) {
    // Replace in place: the index is a counter slot and must not move.
    entries_[*existing] = std::move(entry);
    return *existing;
  }
  entries_.push_back(std::move(entry));
  reindex();
  return static_cast<uint32_t>(entries_.size() - 1);
}

std::optional<uint32_t> CodeTable::find_sorted(int64_t errcode, int64_t sub_errcode) const {
  auto it =
      std::lower_bound(sorted_.begin(), sorted_.end(), std::pair{errcode, sub_errcode},
                       [](const Key& key, const std::pair<int64_t, int64_t>& wanted) {
                         return key_less(key.errcode, key.sub_errcode, wanted.first, wanted.second);
                       });
  if (it == sorted_.end() || it->errcode != errcode || it->sub_errcode != sub_errcode) {
    return std::nullopt;
  }
  return it->index;
}

std::vector<uint32_t> CodeTable::sub_codes_of(int64_t errcode) const {
  std::vector<uint32_t> result;
  for (const Key& key : sorted_) {
    if (key.errcode == errcode && key.sub_errcode != 0) result.push_back(key.index);
  }
  return result;
}

bool CodeTable::has_sub_codes_sorted(int64_t errcode) const {
  return std::binary_search(errcodes_with_subs_.begin(), errcodes_with_subs_.end(), errcode);
}

void CodeTable::reindex() {
  direct_.assign(static_cast<size_t>(kDirectErrcodes), DirectSlot{});
  sorted_.clear();
  errcodes_with_subs_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) {
    const CodeEntry& entry = entries_[i];
    const auto index = static_cast<uint32_t>(i);
    sorted_.push_back({entry.errcode, entry.sub_errcode, index});
    if (entry.sub_errcode == 0 && entry.errcode >= 0 && entry.errcode < kDirectErrcodes) {
      direct_[static_cast<size_t>(entry.errcode)].zero_index = static_cast<int32_t>(index);
    }
    if (entry.sub_errcode != 0) {
      errcodes_with_subs_.push_back(entry.errcode);
      if (entry.errcode >= 0 && entry.errcode < kDirectErrcodes) {
        direct_[static_cast<size_t>(entry.errcode)].has_sub_codes = true;
      }
    }
  }
  std::sort(sorted_.begin(), sorted_.end(), [](const Key& a, const Key& b) {
    return key_less(a.errcode, a.sub_errcode, b.errcode, b.sub_errcode);
  });
  std::sort(errcodes_with_subs_.begin(), errcodes_with_subs_.end());
  errcodes_with_subs_.erase(std::unique(errcodes_with_subs_.begin(), errcodes_with_subs_.end()),
                            errcodes_with_subs_.end());
}

}  // namespace sdx
