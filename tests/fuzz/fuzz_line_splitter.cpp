// LineSplitter against a reference model. Input: 3 header bytes (line limit,
// read block size, seed of the read sizes), then the byte stream, fed in
// pseudo-random pieces. Every line, oversized-line report and the final
// pending_bytes() must match a plain split of the whole stream, and each line
// handed out must be followed by kLinePadding readable bytes.
#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.h"
#include "parse/line_parser.h"
#include "sources/line_splitter.h"

namespace {

struct Output {
  bool oversized = false;
  std::string line;
  bool operator==(const Output&) const = default;
};

class CheckingSink final : public sdx::LineSink {
 public:
  std::vector<Output> outputs;

  void on_line(std::string_view line) override {
    // Touch the promised padding: ASan reports it if it runs off the buffer.
    volatile unsigned char sum = 0;
    for (size_t i = 0; i < sdx::kLinePadding; ++i) {
      sum = sum ^ static_cast<unsigned char>(line.data()[line.size() + i]);
    }
    outputs.push_back({false, std::string(line)});
  }
  void on_oversized_line() override { outputs.push_back({true, {}}); }
};

// Small limits most of the time (they hit the edges: compaction, skipping,
// a '\r' at the limit), sometimes up to a few KiB.
size_t pick_size(uint8_t b) {
  return b < 192 ? size_t{1} + b % 64 : size_t{1} + static_cast<size_t>(b - 192) * 64;
}

// What the splitter promises: each '\n'-terminated line, without a trailing
// '\r', unless its raw length (the '\r' included, as the splitter counts it)
// is over the limit; the unterminated tail stays pending.
std::vector<Output> reference_split(std::string_view stream, size_t max_line_bytes,
                                    size_t& pending) {
  std::vector<Output> outputs;
  size_t begin = 0;
  for (size_t nl = stream.find('\n'); nl != std::string_view::npos; nl = stream.find('\n', begin)) {
    std::string_view line = stream.substr(begin, nl - begin);
    if (line.size() > max_line_bytes) {
      outputs.push_back({true, {}});
    } else {
      if (line.ends_with('\r')) line.remove_suffix(1);
      outputs.push_back({false, std::string(line)});
    }
    begin = nl + 1;
  }
  pending = stream.size() - begin;
  // A tail already over the limit is reported when it crosses it.
  if (pending > max_line_bytes) outputs.push_back({true, {}});
  return outputs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const size_t max_line_bytes = pick_size(data[0]);
  const size_t read_block = pick_size(data[1]);
  uint32_t rng = 0x9e3779b9u ^ (uint32_t{data[2]} * 0x01000193u);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 3, size - 3);

  sdx::LineSplitter splitter(max_line_bytes, read_block);
  CheckingSink sink;
  size_t fed = 0;
  while (fed < stream.size()) {
    std::span<char> area = splitter.read_area();
    SDX_FUZZ_CHECK(area.size() >= read_block);
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    // Mostly short reads; one in four fills the whole area, like a busy file.
    size_t n = (rng & 3) == 0 ? area.size() : 1 + (rng >> 2) % area.size();
    n = std::min(n, stream.size() - fed);
    std::memcpy(area.data(), stream.data() + fed, n);
    splitter.commit(n, sink);
    fed += n;
  }

  size_t pending = 0;
  const std::vector<Output> expected = reference_split(stream, max_line_bytes, pending);
  SDX_FUZZ_CHECK(sink.outputs == expected);
  SDX_FUZZ_CHECK(splitter.pending_bytes() == pending);
  return 0;
}
