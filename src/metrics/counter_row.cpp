#include "metrics/counter_row.h"

#include <charconv>

#include "metrics/push_duration_buckets.h"

namespace sdx {
namespace {

void append_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

bool take_field(std::string_view& in, std::string_view& field) {
  size_t colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  size_t length = 0;
  auto [ptr, ec] = std::from_chars(in.data(), in.data() + colon, length);
  if (ec != std::errc() || ptr != in.data() + colon) return false;
  in.remove_prefix(colon + 1);
  if (length > in.size()) return false;
  field = in.substr(0, length);
  in.remove_prefix(length);
  return true;
}

}  // namespace

namespace {
const char* kind_tag(CounterRow::Kind kind) {
  switch (kind) {
    case CounterRow::Kind::disconnect:
      return "D";
    case CounterRow::Kind::push:
      return "P";
    case CounterRow::Kind::push_duration:
      return "H";
  }
  return "";
}
}  // namespace

std::string CounterRow::key(std::span<const Dimension> dimensions) const {
  std::string out(kind_tag(kind));
  append_field(out, source);
  if (kind == Kind::disconnect) {
    append_field(out, category);
    append_field(out, errcode);
    append_field(out, sub_errcode);
  } else if (kind == Kind::push_duration) {
    append_field(out, category);
  }
  for (size_t i = 0; i < dimensions.size() && i < label_values.size(); ++i) {
    append_field(out, dimension_name(dimensions[i]));
    append_field(out, label_values[i]);
  }
  return out;
}

std::string CounterRow::cell_key(std::span<const Dimension> dimensions, size_t cell) const {
  std::string out(kind_tag(kind));
  append_field(out, source);
  append_field(out, category);
  append_field(out, push_duration_cell_name(cell));
  for (size_t i = 0; i < dimensions.size() && i < label_values.size(); ++i) {
    append_field(out, dimension_name(dimensions[i]));
    append_field(out, label_values[i]);
  }
  return out;
}

bool CounterRow::empty() const {
  if (kind != Kind::push_duration) return value == 0;
  for (uint64_t cell : cells) {
    if (cell != 0) return false;
  }
  return true;
}

void CounterRow::add(const CounterRow& other) {
  value += other.value;
  if (cells.size() < other.cells.size()) cells.resize(other.cells.size());
  for (size_t i = 0; i < other.cells.size(); ++i) cells[i] += other.cells[i];
}

std::string CounterRow::series_key() const {
  std::string out(kind_tag(kind));
  if (kind == Kind::disconnect) {
    append_field(out, category);
    append_field(out, errcode);
    append_field(out, sub_errcode);
  } else if (kind == Kind::push_duration) {
    append_field(out, category);
  }
  for (const auto& value : label_values) append_field(out, value);
  return out;
}

bool CounterRow::from_key(std::string_view key, uint64_t value, CounterRow& out,
                          std::vector<std::string>& label_names, bool& legacy) {
  if (key.empty()) return false;
  const char tag = key[0];
  if (tag != 'd' && tag != 'p' && tag != 'D' && tag != 'P' && tag != 'H') return false;
  out = CounterRow{};
  label_names.clear();
  legacy = tag == 'd' || tag == 'p';
  out.kind = tag == 'd' || tag == 'D' ? Kind::disconnect
             : tag == 'H'             ? Kind::push_duration
                                      : Kind::push;
  out.value = value;
  key.remove_prefix(1);
  std::string_view field;
  if (!legacy) {
    if (!take_field(key, field)) return false;
    out.source = field;
  }
  if (out.kind == Kind::push_duration) {
    if (!take_field(key, field)) return false;
    out.category = field;
    if (!take_field(key, field)) return false;
    const std::optional<size_t> cell = push_duration_cell_from_name(field);
    if (!cell) return false;
    out.cells.assign(kPushDurationCells, 0);
    out.cells[*cell] = value;
    out.value = *cell <= kPushDurationInfBucket ? value : 0;
  }
  if (out.kind == Kind::disconnect) {
    if (!legacy) {
      if (!take_field(key, field)) return false;
      out.category = field;
    }
    if (!take_field(key, field)) return false;
    out.errcode = field;
    if (!take_field(key, field)) return false;
    out.sub_errcode = field;
  }
  while (!key.empty()) {
    if (!legacy) {
      if (!take_field(key, field)) return false;
      label_names.emplace_back(field);
    }
    if (!take_field(key, field)) return false;
    out.label_values.emplace_back(field);
  }
  return true;
}

}  // namespace sdx
