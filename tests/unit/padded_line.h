#pragma once
// Test helper: a line with the read-ahead padding parsers may rely on
// (sources guarantee it; tests must too, or ASan rightly complains).
#include <string>
#include <string_view>

#include "parse/line_parser.h"

namespace sdx::test {

class PaddedLine {
 public:
  explicit PaddedLine(std::string_view text) : storage_(text) {
    storage_.append(kLinePadding, '\0');
  }
  std::string_view view() const { return {storage_.data(), storage_.size() - kLinePadding}; }

 private:
  std::string storage_;
};

}  // namespace sdx::test
