#include "sources/line_splitter.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>

#include "parse/line_parser.h"
#include "sources/recording_sink.h"

namespace sdx {
namespace {

using test::RecordingSink;

// Feeds `data` to the splitter in pieces of at most `piece` bytes.
void feed(LineSplitter& splitter, std::string_view data, size_t piece, LineSink& sink) {
  while (!data.empty()) {
    std::span<char> area = splitter.read_area();
    size_t n = std::min({piece, area.size(), data.size()});
    std::memcpy(area.data(), data.data(), n);
    splitter.commit(n, sink);
    data.remove_prefix(n);
  }
}

TEST_CASE("LineSplitter emits complete lines and keeps the partial one", "[sources]") {
  LineSplitter splitter(100, 16);
  RecordingSink sink;
  feed(splitter, "one\ntwo\nthr", 64, sink);
  CHECK(sink.lines == std::vector<std::string>{"one", "two"});
  CHECK(splitter.pending_bytes() == 3);
  feed(splitter, "ee\n", 64, sink);
  CHECK(sink.lines == std::vector<std::string>{"one", "two", "three"});
  CHECK(splitter.pending_bytes() == 0);
}

TEST_CASE("LineSplitter splits identically at every byte boundary", "[sources]") {
  const std::string data = "alpha\r\n\nbeta gamma\n\r\nx\n{\"k\":1}\ntail";
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    LineSplitter splitter(64, 8);
    RecordingSink sink;
    feed(splitter, std::string_view(data).substr(0, cut), 1000, sink);
    feed(splitter, std::string_view(data).substr(cut), 1000, sink);
    INFO("cut at " << cut);
    CHECK(sink.lines == std::vector<std::string>{"alpha", "", "beta gamma", "", "x", "{\"k\":1}"});
    CHECK(splitter.pending_bytes() == 4);
  }
  for (size_t piece = 1; piece <= 9; ++piece) {
    LineSplitter splitter(64, 8);
    RecordingSink sink;
    feed(splitter, data, piece, sink);
    INFO("piece " << piece);
    CHECK(sink.lines.size() == 6);
    CHECK(sink.lines[0] == "alpha");
  }
}

TEST_CASE("LineSplitter strips CRLF and keeps empty lines", "[sources]") {
  LineSplitter splitter;
  RecordingSink sink;
  feed(splitter, "a\r\n\r\n\n\rb\r\n", 1 << 20, sink);
  CHECK(sink.lines == std::vector<std::string>{"a", "", "", "\rb"});
}

TEST_CASE("LineSplitter skips an over-long line once and keeps the next", "[sources]") {
  for (size_t piece : {size_t{1}, size_t{3}, size_t{7}, size_t{16}, size_t{1000}}) {
    LineSplitter splitter(10, 16);
    RecordingSink sink;
    const std::string longline(57, 'x');
    feed(splitter, "ok\n" + longline + "\nnext\n", piece, sink);
    INFO("piece " << piece);
    CHECK(sink.lines == std::vector<std::string>{"ok", "next"});
    CHECK(sink.oversized == 1);
  }
  // Exactly the limit is fine; one byte more is not.
  LineSplitter splitter(10, 4);
  RecordingSink sink;
  feed(splitter, std::string(10, 'a') + "\n" + std::string(11, 'b') + "\n", 3, sink);
  CHECK(sink.lines == std::vector<std::string>{std::string(10, 'a')});
  CHECK(sink.oversized == 1);
}

TEST_CASE("LineSplitter pending_bytes gives the resume offset", "[sources]") {
  LineSplitter splitter(10, 16);
  RecordingSink sink;
  uint64_t fed = 0;
  auto push = [&](std::string_view s) {
    feed(splitter, s, 1000, sink);
    fed += s.size();
  };
  push("abc\nde");
  CHECK(fed - splitter.pending_bytes() == 4);
  push("f\n");
  CHECK(fed - splitter.pending_bytes() == 8);
  // While skipping an over-long line, its bytes stay pending: a restart
  // re-reads from the start of that line.
  push("0123456789ABCDEF");
  CHECK(sink.oversized == 1);
  CHECK(splitter.pending_bytes() == 16);
  CHECK(fed - splitter.pending_bytes() == 8);
  push("GHIJ");
  CHECK(splitter.pending_bytes() == 20);
  push("K\nz");
  CHECK(fed - splitter.pending_bytes() == 8 + 22);
  CHECK(splitter.pending_bytes() == 1);
  CHECK(sink.oversized == 1);
}

TEST_CASE("LineSplitter reset forgets a partial or skipped line", "[sources]") {
  LineSplitter splitter(4, 8);
  RecordingSink sink;
  feed(splitter, "abc", 100, sink);
  splitter.reset();
  CHECK(splitter.pending_bytes() == 0);
  feed(splitter, "xyzzyx", 100, sink);  // over-long: skipping
  splitter.reset();
  feed(splitter, "q\n", 100, sink);
  CHECK(sink.lines == std::vector<std::string>{"q"});
}

TEST_CASE("LineSplitter read area and padding guarantees", "[sources]") {
  const size_t max_line = 100;
  const size_t block = 32;
  LineSplitter splitter(max_line, block);
  RecordingSink sink;
  std::string data;
  for (int i = 0; i < 500; ++i)
    data += std::string(static_cast<size_t>(i % 97), 'a' + i % 26) + "\n";
  size_t pos = 0;
  while (pos < data.size()) {
    std::span<char> area = splitter.read_area();
    REQUIRE(area.size() >= block);
    // Area plus padding stay within what a line of max length needs.
    REQUIRE(area.size() <= max_line + block);
    size_t n = std::min(area.size(), data.size() - pos);
    std::memcpy(area.data(), data.data() + pos, n);
    // Dirty the rest of the area: the splitter must still see only n bytes.
    std::memset(area.data() + n, '\n', area.size() - n);
    splitter.commit(n, sink);
    pos += n;
  }
  REQUIRE(sink.lines.size() == 500);
  for (int i = 0; i < 500; ++i) {
    CHECK(sink.lines[static_cast<size_t>(i)].size() == static_cast<size_t>(i % 97));
  }
}

TEST_CASE("LineSplitter gives the padding after the very last line", "[sources]") {
  struct PaddingSink : LineSink {
    void on_line(std::string_view line) override {
      // The byte right after the line is its '\n'; then defined padding.
      ok = ok && line.data()[line.size()] == '\n';
      for (size_t i = 1; i < kLinePadding; ++i) sum += line.data()[line.size() + i];
    }
    void on_oversized_line() override {}
    bool ok = true;
    long sum = 0;
  };
  LineSplitter splitter(8, 8);
  PaddingSink sink;
  std::span<char> area = splitter.read_area();
  std::memcpy(area.data(), "12345678", 8);
  splitter.commit(7, sink);  // "1234567" pending
  area = splitter.read_area();
  area[0] = '\n';
  splitter.commit(1, sink);
  CHECK(sink.ok);
}

}  // namespace
}  // namespace sdx
