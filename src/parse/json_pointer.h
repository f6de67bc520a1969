#pragma once
// RFC 6901 JSON pointers ("/data/code", "/a~1b", "/items/0", "" = the whole
// document), checked and split into tokens once at config load, then
// resolved against a simdjson DOM document per line without allocating.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace sdx {

class JsonPointer {
 public:
  // A valid pointer, or nullopt with `error` saying why `text` is not one.
  static std::optional<JsonPointer> parse(std::string_view text, std::string& error);

  // The value the pointer names in `root`; nullopt when there is none: a
  // missing key, an index past the end (or "-"), or a step into a scalar.
  std::optional<simdjson::dom::element> find(simdjson::dom::element root) const;

  const std::string& text() const { return text_; }
  // Unescaped reference tokens ("~1" already turned into "/").
  std::vector<std::string> tokens() const;

 private:
  struct Token {
    std::string key;
    // The array index the token spells ("0" or digits without a leading 0);
    // nullopt when it is not one (then it names nothing inside an array).
    std::optional<size_t> index;
  };
  std::string text_;
  std::vector<Token> tokens_;
};

}  // namespace sdx
