#include "metrics/event_counters.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>

namespace sdx {
namespace {

// Distinct unlisted codes kept per label set; the rest fold into one
// "__overflow__" code so garbage codes cannot grow memory.
constexpr size_t kMaxUnlistedCodes = 64;

// Refused label sets remembered per shard (see refused_).
constexpr size_t kMaxRefusedRemembered = 16384;

// Single writer: load+store is enough and avoids a locked RMW per event.
inline void bump(std::atomic<uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

std::string_view dimension_value(Dimension dimension, const Event& event,
                                 std::string_view source_name) {
  switch (dimension) {
    case Dimension::source:
      return source_name;
    case Dimension::domain:
      return event.domain;
    case Dimension::app:
      return event.app;
    case Dimension::appid:
      return event.appid;
    case Dimension::stream:
      return event.stream;
  }
  return {};
}

}  // namespace

// A label set and its counters are one allocation: the header, then the
// per-code counts, then stream_push_duration_seconds's cells by category.
// The counters' address follows from the set's, so an event's bumps need no
// load of the header first (issue 12: every pointer chased was a cache miss
// once label sets outgrow the cache).
class EventCounters::LabelSet {
 public:
  static constexpr size_t kAlign = 64;

  static LabelSetPtr create(std::string key, std::vector<std::string> values, size_t code_count,
                            size_t category_count) {
    const size_t cells = code_count + category_count * kPushDurationCells;
    void* memory = ::operator new (header_bytes() + cells * sizeof(std::atomic<uint64_t>),
                                   std::align_val_t{kAlign});
    LabelSetPtr set(new (memory) LabelSet(std::move(key), std::move(values)));
    std::atomic<uint64_t>* first = set->cells();
    for (size_t i = 0; i < cells; ++i) new (&first[i]) std::atomic<uint64_t>(0);
    return set;
  }

  static constexpr size_t header_bytes();

  std::atomic<uint64_t>* cells() {
    return reinterpret_cast<std::atomic<uint64_t>*>(reinterpret_cast<char*>(this) + header_bytes());
  }
  const std::atomic<uint64_t>* cells() const {
    return reinterpret_cast<const std::atomic<uint64_t>*>(reinterpret_cast<const char*>(this) +
                                                          header_bytes());
  }
  std::atomic<uint64_t>& by_code(size_t index) { return cells()[index]; }
  const std::atomic<uint64_t>& by_code(size_t index) const { return cells()[index]; }
  std::atomic<uint64_t>* durations(size_t code_count, size_t category) {
    return cells() + code_count + category * kPushDurationCells;
  }
  const std::atomic<uint64_t>* durations(size_t code_count, size_t category) const {
    return cells() + code_count + category * kPushDurationCells;
  }

  // Codes not in the table, and codes only partly known from a message.
  struct Unlisted {
    int64_t errcode;
    int64_t sub_errcode;
    bool errcode_known;
    bool sub_errcode_known;
    Category category;
    std::atomic<uint64_t> count{0};
    bool same(const Classification& c) const {
      return errcode == c.errcode && sub_errcode == c.sub_errcode &&
             errcode_known == c.errcode_known && sub_errcode_known == c.sub_errcode_known &&
             category == c.category;
    }
  };

  const std::string key;  // dimension values joined, as the index compares them
  const std::vector<std::string> values;
  std::atomic<uint64_t> pushes{0};
  // Grown by the writer under structure_mutex_; fixed addresses.
  std::vector<std::unique_ptr<Unlisted>> unlisted;
  std::atomic<uint64_t> unlisted_overflow{0};

 private:
  LabelSet(std::string key, std::vector<std::string> values)
      : key(std::move(key)), values(std::move(values)) {}
};

constexpr size_t EventCounters::LabelSet::header_bytes() {
  return (sizeof(LabelSet) + kAlign - 1) / kAlign * kAlign;
}

void EventCounters::LabelSetDeleter::operator()(LabelSet* set) const {
  set->~LabelSet();  // the cells are trivially destructible atomics
  ::operator delete (set, std::align_val_t{LabelSet::kAlign});
}

bool EventCounters::IndexSlot::matches(std::string_view other, uint64_t other_hash) const {
  if (hash != other_hash || length != other.size()) return false;
  if (length <= kInlineKey) return std::memcmp(inline_key, other.data(), length) == 0;
  return *key == other;
}

EventCounters::EventCounters(std::shared_ptr<const Model> model, std::string source_name,
                             LabelSetBudget& budget)
    : model_(std::move(model)),
      table_(model_->table()),
      dimensions_(model_->labels()),
      source_name_(std::move(source_name)),
      budget_(budget),
      uses_event_dimensions_([this] {
        for (Dimension d : dimensions_) {
          if (d != Dimension::source) return true;
        }
        return false;
      }()) {
  if (!uses_event_dimensions_) {
    // Only the source label, if any: one set, created now so every built-in
    // code is exported as 0 from the start.
    std::vector<std::string> values(dimensions_.size(), source_name_);
    fixed_set_ = &create_label_set("", std::move(values));
  }
}

EventCounters::~EventCounters() = default;

EventCounters::LabelSet& EventCounters::create_label_set(std::string key,
                                                         std::vector<std::string> values) {
  const bool indexed = !key.empty();
  const uint64_t hash = std::hash<std::string_view>{}(key);
  LabelSetPtr set = LabelSet::create(std::move(key), std::move(values), table_.size(),
                                     model_->categories().size());
  LabelSet* raw = set.get();
  {
    std::lock_guard lock(structure_mutex_);
    sets_.push_back(std::move(set));
  }
  if (indexed) insert_indexed(raw, hash, &raw->key);
  return *raw;
}

EventCounters::LabelSet* EventCounters::find_indexed(std::string_view key, uint64_t hash) const {
  if (index_.empty()) return nullptr;
  const size_t mask = index_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const IndexSlot& slot = index_[i];
    if (slot.set == nullptr) return nullptr;
    if (slot.matches(key, hash)) return slot.set;
  }
}

void EventCounters::insert_indexed(LabelSet* set, uint64_t hash, const std::string* key) {
  if ((indexed_ + 1) * 2 > index_.size()) {
    std::vector<IndexSlot> old = std::move(index_);
    index_.assign(std::max<size_t>(64, old.size() * 2), IndexSlot{});
    indexed_ = 0;
    for (const IndexSlot& slot : old) {
      if (slot.set != nullptr) insert_indexed(slot.set, slot.hash, slot.key);
    }
  }
  const size_t mask = index_.size() - 1;
  size_t i = hash & mask;
  while (index_[i].set != nullptr) i = (i + 1) & mask;
  IndexSlot& slot = index_[i];
  slot = IndexSlot{};
  slot.hash = hash;
  slot.set = set;
  slot.key = key;
  slot.length = static_cast<uint32_t>(key->size());
  if (key->size() <= IndexSlot::kInlineKey) std::memcpy(slot.inline_key, key->data(), key->size());
  ++indexed_;
}

EventCounters::LabelSet& EventCounters::overflow_set() {
  if (overflow_set_ == nullptr) {
    std::vector<std::string> values;
    for (Dimension d : dimensions_) {
      values.emplace_back(d == Dimension::source ? std::string_view(source_name_)
                                                 : kOverflowLabelValue);
    }
    overflow_set_ = &create_label_set("", std::move(values));
  }
  return *overflow_set_;
}

EventCounters::LabelSet& EventCounters::label_set_for(const Event& event) {
  if (fixed_set_ != nullptr) return *fixed_set_;
  key_buffer_.clear();
  for (Dimension d : dimensions_) {
    if (d == Dimension::source) continue;  // constant within this shard
    std::string_view value = dimension_value(d, event, source_name_);
    LabelSetBudget::append_key(key_buffer_, value);
  }
  const uint64_t hash = std::hash<std::string_view>{}(key_buffer_);
  if (LabelSet* set = find_indexed(key_buffer_, hash)) {
    if (set == overflow_set_) budget_.count_overflow_event();
    return *set;
  }
  budget_key_.clear();
  for (Dimension d : dimensions_) {
    LabelSetBudget::append_key(budget_key_, dimension_value(d, event, source_name_));
  }
  if (!budget_.admit(std::string_view(budget_key_))) {
    budget_.count_overflow_event();
    LabelSet& overflow = overflow_set();
    if (refused_.size() < kMaxRefusedRemembered) {
      refused_.push_back(key_buffer_);
      insert_indexed(&overflow, hash, &refused_.back());
    }
    return overflow;
  }
  std::vector<std::string> values;
  values.reserve(dimensions_.size());
  for (Dimension d : dimensions_) values.emplace_back(dimension_value(d, event, source_name_));
  return create_label_set(key_buffer_, std::move(values));
}

void EventCounters::observe_push_duration(LabelSet& set, Category category, int64_t ms) {
  std::atomic<uint64_t>* cells = set.durations(table_.size(), static_cast<size_t>(category));
  bump(cells[push_duration_bucket(ms)]);
  auto& sum = cells[kPushDurationSumCell];
  sum.store(sum.load(std::memory_order_relaxed) + static_cast<uint64_t>(ms),
            std::memory_order_relaxed);
}

void EventCounters::count_disconnect(LabelSet& set, const Classification& classification,
                                     std::optional<int64_t> push_duration_ms) {
  if (push_duration_ms) observe_push_duration(set, classification.category, *push_duration_ms);
  if (classification.index) {
    bump(set.by_code(*classification.index));
    return;
  }
  for (auto& entry : set.unlisted) {
    if (entry->same(classification)) {
      bump(entry->count);
      return;
    }
  }
  if (set.unlisted.size() >= kMaxUnlistedCodes) {
    bump(set.unlisted_overflow);
    return;
  }
  auto entry = std::make_unique<LabelSet::Unlisted>();
  entry->errcode = classification.errcode;
  entry->sub_errcode = classification.sub_errcode;
  entry->errcode_known = classification.errcode_known;
  entry->sub_errcode_known = classification.sub_errcode_known;
  entry->category = classification.category;
  entry->count.store(1, std::memory_order_relaxed);
  std::lock_guard lock(structure_mutex_);
  set.unlisted.push_back(std::move(entry));
}

void EventCounters::count_push(LabelSet& set) { bump(set.pushes); }

void EventCounters::snapshot(std::vector<CounterRow>& rows) const {
  std::lock_guard lock(structure_mutex_);
  for (const auto& set : sets_) {
    // Built-in codes of the fixed set are exported even at 0 (rates and
    // alerts work before the first event); other sets only non-zero codes.
    const bool with_zeros = set.get() == fixed_set_;
    auto add_disconnect = [&](std::string errcode, std::string sub, Category category,
                              uint64_t value) {
      if (value == 0 && !with_zeros) return;
      CounterRow row;
      row.kind = CounterRow::Kind::disconnect;
      row.source = source_name_;
      row.category = model_->categories().name(category);
      row.errcode = std::move(errcode);
      row.sub_errcode = std::move(sub);
      row.label_values = set->values;
      row.value = value;
      rows.push_back(std::move(row));
    };
    for (uint32_t i = 0; i < table_.size(); ++i) {
      const CodeEntry& entry = table_.at(i);
      add_disconnect(std::to_string(entry.errcode), std::to_string(entry.sub_errcode),
                     entry.category, set->by_code(i).load(std::memory_order_relaxed));
    }
    for (const auto& entry : set->unlisted) {
      uint64_t value = entry->count.load(std::memory_order_relaxed);
      if (value == 0) continue;
      add_disconnect(entry->errcode_known ? std::to_string(entry->errcode) : std::string(),
                     entry->sub_errcode_known ? std::to_string(entry->sub_errcode) : std::string(),
                     entry->category, value);
    }
    if (uint64_t value = set->unlisted_overflow.load(std::memory_order_relaxed); value > 0) {
      add_disconnect(std::string(kOverflowLabelValue), std::string(kOverflowLabelValue),
                     Category::unknown, value);
    }
    for (size_t c = 0; c < model_->categories().size(); ++c) {
      const std::atomic<uint64_t>* cells = set->durations(table_.size(), c);
      bool any = false;
      for (size_t cell = 0; cell < kPushDurationCells; ++cell) {
        any |= cells[cell].load(std::memory_order_relaxed) != 0;
      }
      if (!any) continue;  // zero series are not materialised
      CounterRow row;
      row.cells.resize(kPushDurationCells);
      for (size_t cell = 0; cell < kPushDurationCells; ++cell) {
        row.cells[cell] = cells[cell].load(std::memory_order_relaxed);
      }
      row.kind = CounterRow::Kind::push_duration;
      row.source = source_name_;
      row.category = model_->categories().name(static_cast<Category>(c));
      row.label_values = set->values;
      row.value = push_duration_count(row.cells);
      rows.push_back(std::move(row));
    }
    uint64_t pushes = set->pushes.load(std::memory_order_relaxed);
    if (pushes > 0 || with_zeros) {
      CounterRow row;
      row.kind = CounterRow::Kind::push;
      row.source = source_name_;
      row.label_values = set->values;
      row.value = pushes;
      rows.push_back(std::move(row));
    }
  }
}

size_t EventCounters::snapshot_bound() const {
  std::lock_guard lock(structure_mutex_);
  size_t bound = 0;
  for (const auto& set : sets_) {
    bound += table_.size() + set->unlisted.size() + 2 + model_->categories().size();
  }
  return bound;
}

size_t EventCounters::label_set_count() const {
  std::lock_guard lock(structure_mutex_);
  return sets_.size();
}

}  // namespace sdx
