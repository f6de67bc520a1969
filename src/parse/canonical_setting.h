#pragma once
// How a format's FormatSpec::canonical() writes one setting: length-prefixed,
// so no pattern, pointer or value text can fake another setting.
#include <string>
#include <string_view>

namespace sdx {

inline void append_setting(std::string& out, std::string_view key, std::string_view text) {
  out += ';';
  out += key;
  out += '=';
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

}  // namespace sdx
