#include "sources/line_splitter.h"

#include <algorithm>
#include <cstring>

#include "parse/line_parser.h"

namespace sdx {

LineSplitter::LineSplitter(size_t max_line_bytes, size_t read_block)
    : max_line_bytes_(std::max<size_t>(max_line_bytes, 1)),
      read_block_(std::max<size_t>(read_block, 1)) {}

std::span<char> LineSplitter::read_area() {
  // A held partial line is at most max_line_bytes_, so this always fits one.
  const size_t most = max_line_bytes_ + read_block_ + kLinePadding;
  if (!buffer_) {
    // Allocated on first use (idle files cost nothing), and small: it grows
    // only while a long line is pending. Sized for max_line_bytes up front,
    // every followed file would reserve that much (1 GiB each with
    // `max_line_bytes: 1GiB`, enough to fail under a memory limit).
    capacity_ = std::min(most, 2 * read_block_ + kLinePadding);
    buffer_ = std::make_unique_for_overwrite<char[]>(capacity_);
    std::memset(buffer_.get(), 0, kLinePadding);
  }
  if (capacity_ - kLinePadding - end_ < read_block_ && begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (capacity_ - kLinePadding - end_ < read_block_ && capacity_ < most) {
    const size_t grown = std::min(most, std::max(2 * capacity_, end_ + read_block_ + kLinePadding));
    auto bigger = std::make_unique_for_overwrite<char[]>(grown);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
  }
  return {buffer_.get() + end_, capacity_ - kLinePadding - end_};
}

void LineSplitter::commit(size_t n, LineSink& sink) {
  if (!buffer_) read_area();
  char* const buf = buffer_.get();
  size_t scan = end_;  // everything before it was already searched for '\n'
  end_ += n;
  // Defined bytes after the data end: the parser reads up to kLinePadding past a line.
  std::memset(buf + end_, 0, kLinePadding);

  if (skipping_) {
    const void* nl = std::memchr(buf + scan, '\n', end_ - scan);
    if (nl == nullptr) {
      skipped_bytes_ += end_ - scan;
      begin_ = end_ = 0;
      std::memset(buf, 0, kLinePadding);
      return;
    }
    skipping_ = false;
    skipped_bytes_ = 0;
    begin_ = scan = static_cast<size_t>(static_cast<const char*>(nl) - buf) + 1;
  }

  while (scan < end_) {
    const void* nl = std::memchr(buf + scan, '\n', end_ - scan);
    if (nl == nullptr) break;
    const size_t stop = static_cast<size_t>(static_cast<const char*>(nl) - buf);
    size_t len = stop - begin_;
    if (len > max_line_bytes_) {
      sink.on_oversized_line();
    } else {
      if (len > 0 && buf[begin_ + len - 1] == '\r') --len;
      sink.on_line(std::string_view(buf + begin_, len));
    }
    begin_ = scan = stop + 1;
  }

  const size_t partial = end_ - begin_;
  if (partial > max_line_bytes_) {
    // Already too long: drop what we hold and skip to its newline, so memory
    // stays bounded. pending_bytes() keeps counting it for the resume offset.
    sink.on_oversized_line();
    skipping_ = true;
    skipped_bytes_ = partial;
    begin_ = end_ = 0;
    std::memset(buf, 0, kLinePadding);
  } else if (partial == 0) {
    begin_ = end_ = 0;
    std::memset(buf, 0, kLinePadding);
  }
}

uint64_t LineSplitter::pending_bytes() const {
  return skipping_ ? skipped_bytes_ : static_cast<uint64_t>(end_ - begin_);
}

void LineSplitter::reset() {
  begin_ = end_ = 0;
  skipping_ = false;
  skipped_bytes_ = 0;
  if (buffer_) std::memset(buffer_.get(), 0, kLinePadding);
}

}  // namespace sdx
