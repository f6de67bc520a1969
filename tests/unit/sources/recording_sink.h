#pragma once
// A LineSink for tests: keeps every line and touches the padding after it,
// so ASan flags a splitter that hands out lines without readable padding.
#include <string>
#include <string_view>
#include <vector>

#include "parse/line_parser.h"
#include "sources/line_sink.h"

namespace sdx::test {

class RecordingSink : public LineSink {
 public:
  void on_line(std::string_view line) override {
    unsigned sum = 0;
    for (size_t i = 0; i < kLinePadding; ++i) {
      sum += static_cast<unsigned char>(line.data()[line.size() + i]);
    }
    padding_checksum += sum;
    lines.emplace_back(line);
  }
  void on_oversized_line() override { ++oversized; }

  std::vector<std::string> lines;
  int oversized = 0;
  unsigned padding_checksum = 0;
};

}  // namespace sdx::test
