#include "parse/json_pointer.h"

namespace sdx {
namespace {

// An index longer than this could overflow size_t; no line has that many items.
constexpr size_t kMaxIndexDigits = 18;

std::optional<size_t> array_index(std::string_view token) {
  if (token.empty() || token.size() > kMaxIndexDigits) return std::nullopt;
  if (token.size() > 1 && token.front() == '0') return std::nullopt;  // RFC 6901: no leading 0
  size_t index = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + static_cast<size_t>(c - '0');
  }
  return index;
}

}  // namespace

std::optional<JsonPointer> JsonPointer::parse(std::string_view text, std::string& error) {
  JsonPointer pointer;
  pointer.text_ = std::string(text);
  if (text.empty()) return pointer;  // the whole document
  if (text.front() != '/') {
    error = "it must be empty or start with \"/\"";
    return std::nullopt;
  }
  size_t start = 1;
  while (true) {
    const size_t slash = text.find('/', start);
    const std::string_view raw = text.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    Token token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token.key += raw[i];
        continue;
      }
      const char next = i + 1 < raw.size() ? raw[i + 1] : '\0';
      if (next != '0' && next != '1') {
        error = "\"~\" at byte " + std::to_string(start + i + 1) +
                " must be followed by 0 (for \"~\") or 1 (for \"/\")";
        return std::nullopt;
      }
      token.key += next == '0' ? '~' : '/';
      ++i;
    }
    token.index = array_index(token.key);
    pointer.tokens_.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return pointer;
}

std::optional<simdjson::dom::element> JsonPointer::find(simdjson::dom::element root) const {
  simdjson::dom::element current = root;
  for (const Token& token : tokens_) {
    simdjson::dom::element child;
    switch (current.type()) {
      case simdjson::dom::element_type::OBJECT: {
        simdjson::dom::object object;
        if (current.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
        // The DOM keeps keys unescaped, so "a\"b" in the line matches the token a"b.
        if (object.at_key(token.key).get(child) != simdjson::SUCCESS) return std::nullopt;
        break;
      }
      case simdjson::dom::element_type::ARRAY: {
        simdjson::dom::array array;
        if (!token.index || current.get_array().get(array) != simdjson::SUCCESS) {
          return std::nullopt;
        }
        if (array.at(*token.index).get(child) != simdjson::SUCCESS) return std::nullopt;
        break;
      }
      default:
        return std::nullopt;  // a step into a scalar names nothing
    }
    current = child;
  }
  return current;
}

std::vector<std::string> JsonPointer::tokens() const {
  std::vector<std::string> out;
  out.reserve(tokens_.size());
  for (const Token& token : tokens_) out.push_back(token.key);
  return out;
}

}  // namespace sdx
