#pragma once
#include <string>
#include <string_view>

namespace sdx {

// Canonical form of a disconnect message for matching: ASCII lower-case,
// full-width forms folded to ASCII, all whitespace and punctuation (ASCII and
// CJK) removed. Invalid UTF-8 bytes are dropped.
std::string normalize_message(std::string_view message);

}  // namespace sdx
