#include "sources/record_dedup.h"

#include <charconv>
#include <vector>

namespace sdx {
namespace {

// Percent-encodes the bytes that would break the line/field layout.
void append_field(std::string& out, std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if (c <= ' ' || c == '%' || c == 0x7F) {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> decode_field(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::optional<int64_t> decode_number(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

bool RecordDedup::insert(const RecordKey& key) { return keys_.insert(key).second; }

void RecordDedup::forget_before(int64_t point) {
  std::erase_if(keys_, [point](const RecordKey& key) { return key.end < point; });
}

std::string RecordDedup::serialize() const {
  std::string out;
  for (const RecordKey& key : keys_) {
    out += std::to_string(key.start);
    out += ' ';
    out += std::to_string(key.end);
    out += ' ';
    append_field(out, key.domain);
    out += ' ';
    append_field(out, key.app);
    out += ' ';
    append_field(out, key.stream);
    out += '\n';
  }
  return out;
}

std::optional<RecordDedup> RecordDedup::parse(std::string_view text) {
  RecordDedup dedup;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return std::nullopt;
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    std::vector<std::string_view> fields;
    size_t from = 0;
    for (size_t space; (space = line.find(' ', from)) != std::string_view::npos; from = space + 1) {
      fields.push_back(line.substr(from, space - from));
    }
    fields.push_back(line.substr(from));
    if (fields.size() != 5) return std::nullopt;
    auto start = decode_number(fields[0]);
    auto end = decode_number(fields[1]);
    auto domain = decode_field(fields[2]);
    auto app = decode_field(fields[3]);
    auto stream = decode_field(fields[4]);
    if (!start || !end || !domain || !app || !stream) return std::nullopt;
    dedup.keys_.insert(
        RecordKey{std::move(*domain), std::move(*app), std::move(*stream), *start, *end});
  }
  return dedup;
}

}  // namespace sdx
