#pragma once
// Splits a byte stream into lines without copying them: the caller reads
// straight into read_area(), commit() hands out every complete line as a view
// into the buffer. A partial last line waits for its newline; a line longer
// than max_line_bytes is skipped (reported once) up to its newline.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "sources/line_sink.h"

namespace sdx {

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line_bytes = size_t{1} << 20,
                        size_t read_block = size_t{1} << 20);

  // Space to read the next block into (at least read_block bytes).
  std::span<char> read_area();
  // `n` bytes were written at read_area().data(); emits every complete line.
  void commit(size_t n, LineSink& sink);

  // Bytes of the current incomplete line (held or being skipped): the
  // resume offset is (bytes fed so far - pending_bytes()).
  uint64_t pending_bytes() const;
  // Forget any partial line (truncation, switching files).
  void reset();

 private:
  size_t max_line_bytes_;
  size_t read_block_;
  size_t capacity_ = 0;
  std::unique_ptr<char[]> buffer_;
  size_t begin_ = 0;  // start of the pending partial line
  size_t end_ = 0;    // end of valid data
  bool skipping_ = false;
  uint64_t skipped_bytes_ = 0;
};

}  // namespace sdx
