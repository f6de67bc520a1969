#include "classify/message_normalizer.h"

#include <cstdint>

namespace sdx {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes one code point at `pos` and advances it. Malformed input (bad lead
// or continuation byte, truncation, overlong form, surrogate, > U+10FFFF)
// consumes a single byte and yields kInvalid, so the caller drops just that byte.
char32_t decode_utf8(std::string_view s, size_t& pos) {
  const auto lead = static_cast<unsigned char>(s[pos]);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  size_t length = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1F;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0F;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    ++pos;
    return kInvalid;
  }
  if (pos + length > s.size()) {
    ++pos;
    return kInvalid;
  }
  for (size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(s[pos + i]);
    if ((byte & 0xC0) != 0x80) {
      ++pos;
      return kInvalid;
    }
    cp = (cp << 6) | (byte & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return kInvalid;
  }
  pos += length;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space fold
// to ASCII, so "ＣＳＳ" and "CSS" compare equal.
char32_t fold_width(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) return cp - 0xFEE0;
  if (cp == 0x3000) return U' ';
  return cp;
}

// Whitespace, punctuation and symbols carry no meaning for matching; the
// tables differ in exactly these (ASCII vs CJK commas, spaces around "IP").
bool is_dropped(char32_t cp) {
  if (cp < 0x80) {
    const bool alnum =
        (cp >= U'0' && cp <= U'9') || (cp >= U'a' && cp <= U'z') || (cp >= U'A' && cp <= U'Z');
    return !alnum;  // ASCII whitespace, controls and punctuation
  }
  return (cp >= 0x0080 && cp <= 0x00BF) ||  // C1 controls, NBSP, Latin-1 punctuation
         cp == 0x00D7 || cp == 0x00F7 ||    // multiplication and division signs
         cp == 0x1680 ||                    // Ogham space
         (cp >= 0x2000 && cp <= 0x206F) ||  // general punctuation, spaces, zero-width
         (cp >= 0x2E00 && cp <= 0x2E7F) ||  // supplemental punctuation
         (cp >= 0x3000 && cp <= 0x303F) ||  // CJK symbols and punctuation
         (cp >= 0xFE10 && cp <= 0xFE1F) ||  // vertical forms
         (cp >= 0xFE30 && cp <= 0xFE6F) ||  // CJK compatibility and small forms
         cp == 0xFEFF ||                    // byte order mark
         (cp >= 0xFF00 && cp <= 0xFF65);    // remaining full/half-width punctuation
}

}  // namespace

std::string normalize_message(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  size_t pos = 0;
  while (pos < message.size()) {
    char32_t cp = decode_utf8(message, pos);
    if (cp == kInvalid) continue;
    cp = fold_width(cp);
    if (is_dropped(cp)) continue;
    if (cp >= U'A' && cp <= U'Z') cp += U'a' - U'A';
    append_utf8(out, cp);
  }
  return out;
}

}  // namespace sdx
