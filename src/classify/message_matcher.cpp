#include "classify/message_matcher.h"

#include <algorithm>

#include "classify/message_normalizer.h"

namespace sdx {

MessageMatcher::MessageMatcher(const CodeTable& table) : table_(table) {
  auto add = [this](const std::string& message, uint32_t index) {
    std::string key = normalize_message(message);
    if (key.empty()) return;  // a message of only punctuation would match anything blank
    std::vector<uint32_t>& rows = by_message_[std::move(key)];
    // A row whose wordings normalise alike is listed once.
    if (std::find(rows.begin(), rows.end(), index) == rows.end()) rows.push_back(index);
  };
  for (uint32_t i = 0; i < table.size(); ++i) {
    const CodeEntry& entry = table.at(i);
    add(entry.message_zh, i);
    add(entry.message_en, i);
    for (const std::string& alias : entry.message_aliases) add(alias, i);
  }
}

std::vector<uint32_t> MessageMatcher::sub_code_rows(int64_t errcode,
                                                    std::string_view errmsg) const {
  std::vector<uint32_t> rows;
  auto it = by_message_.find(normalize_message(errmsg));
  if (it == by_message_.end()) return rows;
  for (uint32_t index : it->second) {
    const CodeEntry& entry = table_.at(index);
    if (entry.errcode == errcode && entry.sub_errcode != 0) rows.push_back(index);
  }
  return rows;
}

std::optional<uint32_t> MessageMatcher::match_sub_code(int64_t errcode,
                                                       std::string_view errmsg) const {
  // (errcode, sub_errcode) pairs are unique in the table, so a second row
  // is a second sub-code: ambiguous, and a sub-code is never guessed.
  const std::vector<uint32_t> rows = sub_code_rows(errcode, errmsg);
  return rows.size() == 1 ? std::optional<uint32_t>(rows.front()) : std::nullopt;
}

std::optional<uint32_t> MessageMatcher::match_any(std::string_view message) const {
  auto it = by_message_.find(normalize_message(message));
  if (it == by_message_.end() || it->second.size() != 1) return std::nullopt;
  return it->second.front();
}

std::optional<Category> MessageMatcher::common_category(const std::vector<uint32_t>& rows) const {
  if (rows.size() < 2) return std::nullopt;
  const Category category = table_.at(rows.front()).category;
  for (uint32_t index : rows) {
    if (table_.at(index).category != category) return std::nullopt;
  }
  return category;
}

std::optional<Category> MessageMatcher::shared_sub_code_category(int64_t errcode,
                                                                 std::string_view errmsg) const {
  return common_category(sub_code_rows(errcode, errmsg));
}

std::optional<Category> MessageMatcher::shared_category(std::string_view message) const {
  auto it = by_message_.find(normalize_message(message));
  if (it == by_message_.end()) return std::nullopt;
  return common_category(it->second);
}

}  // namespace sdx
