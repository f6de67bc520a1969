#include "parse/json_pointer.h"

#include <catch2/catch.hpp>

#include <string>

namespace sdx {
namespace {

JsonPointer pointer(std::string_view text) {
  std::string error;
  std::optional<JsonPointer> parsed = JsonPointer::parse(text, error);
  INFO("pointer " << text << ": " << error);
  REQUIRE(parsed);
  return *parsed;
}

std::string parse_error(std::string_view text) {
  std::string error;
  CHECK_FALSE(JsonPointer::parse(text, error));
  return error;
}

// The example document of RFC 6901, section 5.
constexpr std::string_view kRfcDocument = R"({
  "foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4,
  "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8})";

// The integer the pointer names, or -1 when it names nothing or not an integer.
int64_t integer_at(simdjson::dom::element root, std::string_view text) {
  const std::optional<simdjson::dom::element> found = pointer(text).find(root);
  if (!found) return -1;
  int64_t value = 0;
  return found->get_int64().get(value) == simdjson::SUCCESS ? value : -2;
}

std::string string_at(simdjson::dom::element root, std::string_view text) {
  const std::optional<simdjson::dom::element> found = pointer(text).find(root);
  if (!found) return "<none>";
  std::string_view value;
  return found->get_string().get(value) == simdjson::SUCCESS ? std::string(value) : "<not string>";
}

}  // namespace

TEST_CASE("json pointer: RFC 6901's examples", "[parse][json_pointer]") {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(simdjson::padded_string(kRfcDocument)).get(root) == simdjson::SUCCESS);

  const std::optional<simdjson::dom::element> whole = pointer("").find(root);
  REQUIRE(whole);
  CHECK(whole->is_object());
  const std::optional<simdjson::dom::element> foo = pointer("/foo").find(root);
  REQUIRE(foo);
  CHECK(foo->is_array());
  CHECK(string_at(root, "/foo/0") == "bar");
  CHECK(string_at(root, "/foo/1") == "baz");
  CHECK(integer_at(root, "/") == 0);  // the key ""
  CHECK(integer_at(root, "/a~1b") == 1);
  CHECK(integer_at(root, "/c%d") == 2);
  CHECK(integer_at(root, "/e^f") == 3);
  CHECK(integer_at(root, "/g|h") == 4);
  CHECK(integer_at(root, "/i\\j") == 5);  // the JSON key "i\\j" is i\j
  CHECK(integer_at(root, "/k\"l") == 6);  // the JSON key "k\"l" is k"l
  CHECK(integer_at(root, "/ ") == 7);
  CHECK(integer_at(root, "/m~0n") == 8);
}

TEST_CASE("json pointer: escapes are undone once, ~1 before nothing else",
          "[parse][json_pointer]") {
  CHECK(pointer("/a~1b/m~0n").tokens() == std::vector<std::string>{"a/b", "m~n"});
  // "~01" decodes to "~1", never to "/" (RFC 6901, section 4).
  CHECK(pointer("/~01").tokens() == std::vector<std::string>{"~1"});
  CHECK(pointer("/~10").tokens() == std::vector<std::string>{"/0"});
  CHECK(pointer("//").tokens() == std::vector<std::string>{"", ""});
  CHECK(pointer("").tokens().empty());
  CHECK(pointer("/data/code").text() == "/data/code");
}

TEST_CASE("json pointer: invalid pointers are refused with a reason", "[parse][json_pointer]") {
  CHECK(parse_error("data/code") == "it must be empty or start with \"/\"");
  CHECK(parse_error("#/data") == "it must be empty or start with \"/\"");
  CHECK(parse_error("/a~2b") ==
        "\"~\" at byte 3 must be followed by 0 (for \"~\") or 1 (for \"/\")");
  CHECK(parse_error("/ab/c~") ==
        "\"~\" at byte 6 must be followed by 0 (for \"~\") or 1 (for \"/\")");
  CHECK(parse_error("/~") == "\"~\" at byte 2 must be followed by 0 (for \"~\") or 1 (for \"/\")");
}

TEST_CASE("json pointer: arrays, missing paths and scalars", "[parse][json_pointer]") {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(
      parser
          .parse(simdjson::padded_string(std::string_view(
              R"({"items":[{"code":7},{"code":8}],"n":5,"s":"x","o":{"0":"zero","01":"one"}})")))
          .get(root) == simdjson::SUCCESS);
  CHECK(integer_at(root, "/items/0/code") == 7);
  CHECK(integer_at(root, "/items/1/code") == 8);
  CHECK(integer_at(root, "/items/2/code") == -1);   // past the end
  CHECK(integer_at(root, "/items/-/code") == -1);   // "-" is the slot after the end
  CHECK(integer_at(root, "/items/01/code") == -1);  // leading zero: not an index
  CHECK(integer_at(root, "/items/x") == -1);
  CHECK(integer_at(root, "/items/99999999999999999999999/code") == -1);  // no overflow to 0
  CHECK(integer_at(root, "/missing") == -1);
  CHECK(integer_at(root, "/n/0") == -1);  // a step into a number
  CHECK(integer_at(root, "/s/x") == -1);  // a step into a string
  CHECK(integer_at(root, "/n") == 5);
  // On objects the same tokens are plain keys.
  CHECK(string_at(root, "/o/0") == "zero");
  CHECK(string_at(root, "/o/01") == "one");
}

}  // namespace sdx
