#pragma once
// One open file of a file source: reads appended bytes into its own
// LineSplitter (a partial line belongs to its file) and notices truncation.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "sources/file_position.h"
#include "sources/fingerprint.h"
#include "sources/line_sink.h"
#include "sources/line_splitter.h"

namespace sdx {

class FileFollower {
 public:
  // Takes ownership of `fd` (open for reading, already fstat'ed).
  FileFollower(int fd, std::string path, uint64_t device, uint64_t inode, size_t max_line_bytes,
               size_t read_block);
  ~FileFollower();
  FileFollower(const FileFollower&) = delete;
  FileFollower& operator=(const FileFollower&) = delete;

  int fd() const { return fd_; }
  // A fully read, idle file can give its descriptor back (bounded fds) and
  // take a new one, opened on the same file, when it grows; its offset,
  // fingerprint and size are kept meanwhile.
  bool is_open() const { return fd_ >= 0; }
  void close_file();
  void reopen(int fd);
  // Nothing buffered: every byte read was handed out as a whole line.
  bool fully_consumed() const { return consumed_offset() == read_offset_ && read_offset_ == size_; }
  const std::string& path() const { return path_; }
  void set_path(std::string path) {
    path_ = std::move(path);
    real_path_.clear();
  }
  // Where the file really is when path() is a symlink to it: saved in its
  // position, so a restart finds it after the link was re-pointed.
  void set_real_path(std::string real_path) { real_path_ = std::move(real_path); }
  uint64_t device() const { return device_; }
  uint64_t inode() const { return inode_; }
  uint64_t size() const { return size_; }
  uint64_t link_count() const { return link_count_; }
  const Fingerprint& fingerprint() const { return fingerprint_; }

  // Continue at `offset`, a line boundary. With `may_be_short`, a file still
  // smaller than that (a copy being written) is waited for, not taken as
  // truncated.
  void start_at(uint64_t offset, bool may_be_short);
  // Bytes handed to the splitter so far == next file offset to read.
  uint64_t read_offset() const { return read_offset_; }
  // Start of the first byte not yet handed out as part of a whole line.
  uint64_t consumed_offset() const;

  enum class Refresh { ok, truncated, error };
  // fstat: updates size/link count, grows the fingerprint, and reports a
  // truncation (size below the read offset, or the first bytes rewritten).
  Refresh refresh(int& error_number);
  // Forget the partial line and read again from offset 0 (after truncation).
  void restart_from_beginning();

  // Reads whole blocks until EOF or `budget` bytes; returns bytes read.
  // Sets `error_number` (0 = fine) on a read error.
  uint64_t read_available(uint64_t budget, LineSink& sink, int& error_number);
  // Returns the splitter's buffer to the allocator when nothing is pending.
  void release_buffer_if_idle();

  FilePosition position() const;

 private:
  int fd_;
  std::string path_;
  std::string real_path_;
  uint64_t device_;
  uint64_t inode_;
  size_t max_line_bytes_;
  size_t read_block_;
  uint64_t size_ = 0;
  uint64_t link_count_ = 1;
  timespec mtime_{};
  uint64_t checked_size_ = 0;
  bool head_checked_ = false;  // fingerprint verified against checked_size_/mtime_
  bool awaiting_size_ = false;
  uint64_t read_offset_ = 0;
  Fingerprint fingerprint_;
  std::unique_ptr<LineSplitter> splitter_;  // created when data arrives
};

// Where to start following an existing file "at its end": after its last
// newline, so a line being written is taken whole, not as a fragment.
uint64_t tail_start_offset(int fd, uint64_t size, size_t max_line_bytes);

}  // namespace sdx
