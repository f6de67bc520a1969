#pragma once
// format: regex — text lines matched by an RE2 pattern whose named groups
// give the Event fields (factory and YAML keys: regex_format.cpp).
#include <memory>
#include <vector>

#include <re2/re2.h>

#include "parse/line_parser.h"

namespace sdx {

// Capture group numbers of the named groups; 0 when the pattern has none.
struct RegexGroups {
  int errcode = 0;
  int sub_errcode = 0;
  int errmsg = 0;
  int domain = 0;
  int app = 0;
  int appid = 0;
  int stream = 0;
  int time = 0;
};

// Compiled once per config; RE2 objects are safe to share between threads.
struct RegexPatterns {
  std::unique_ptr<const RE2> disconnect;  // has an errcode group
  RegexGroups disconnect_groups;
  std::unique_ptr<const RE2> push;  // optional: lines it matches are pushes
  RegexGroups push_groups;
};

// Both patterns are searched anywhere in the line (as grep does; `^` and `$`
// anchor them). A push match wins; a line neither matches is
// Event::Kind::other, or invalid_utf8 when it is not UTF-8 (RE2 in UTF-8 mode
// never matches `.` or `\S` on a stray byte, so such a line might have been a
// disconnect).
class RegexParser final : public LineParser {
 public:
  RegexParser(std::shared_ptr<const RegexPatterns> patterns, DimensionFields fields);
  ParseError parse(std::string_view line, Event& out) override;

 private:
  ParseError read_shared_fields(const RegexGroups& groups, Event& out) const;
  std::string_view capture(int group) const;

  const std::shared_ptr<const RegexPatterns> patterns_;
  const DimensionFields fields_;
  // How many submatches to ask RE2 for: 1 + the highest group read, as each
  // one asked for costs matching time.
  int disconnect_submatches_ = 1;
  int push_submatches_ = 1;
  std::vector<re2::StringPiece> captures_;
};

}  // namespace sdx
