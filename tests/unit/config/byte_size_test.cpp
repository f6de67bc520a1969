#include "config/byte_size.h"

#include <catch2/catch.hpp>

namespace sdx {
namespace {

std::string error_of(std::string_view text) {
  std::string error;
  const auto parsed = parse_byte_size(text, error);
  CHECK_FALSE(parsed);
  return error;
}

TEST_CASE("parse_byte_size reads byte counts and binary units", "[config]") {
  std::string error;
  CHECK(parse_byte_size("1048576", error) == 1048576u);
  CHECK(parse_byte_size("512B", error) == 512u);
  CHECK(parse_byte_size("64KiB", error) == 65536u);
  CHECK(parse_byte_size("1MiB", error) == 1048576u);
  CHECK(parse_byte_size("1 MiB", error) == 1048576u);
  CHECK(parse_byte_size("2GiB", error) == 2147483648u);
  CHECK(error.empty());
}

TEST_CASE("parse_byte_size refuses ambiguous or malformed sizes", "[config]") {
  using Catch::Contains;
  CHECK_THAT(error_of(""), Contains("not a size"));
  CHECK_THAT(error_of("abc"), Contains("not a size"));
  CHECK_THAT(error_of("-1"), Contains("not a size"));
  CHECK_THAT(error_of("1MB"), Contains("unknown unit \"MB\""));
  CHECK_THAT(error_of("1mib"), Contains("unknown unit \"mib\""));
  CHECK_THAT(error_of("1.5MiB"), Contains("fraction"));
  CHECK_THAT(error_of("99999999999999999999"), Contains("too large"));
  CHECK_THAT(error_of("99999999999GiB"), Contains("too large"));
}

}  // namespace
}  // namespace sdx
