#include "sources/file_follower.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace sdx {

FileFollower::FileFollower(int fd, std::string path, uint64_t device, uint64_t inode,
                           size_t max_line_bytes, size_t read_block)
    : fd_(fd),
      path_(std::move(path)),
      device_(device),
      inode_(inode),
      max_line_bytes_(max_line_bytes),
      read_block_(std::max<size_t>(read_block, 1)) {}

FileFollower::~FileFollower() {
  if (fd_ >= 0) ::close(fd_);
}

void FileFollower::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  release_buffer_if_idle();
}

void FileFollower::reopen(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  head_checked_ = false;  // the next refresh() checks the head again
}

void FileFollower::start_at(uint64_t offset, bool may_be_short) {
  if (splitter_) splitter_->reset();
  read_offset_ = offset;
  awaiting_size_ = may_be_short;
}

uint64_t FileFollower::consumed_offset() const {
  return read_offset_ - (splitter_ ? splitter_->pending_bytes() : 0);
}

FileFollower::Refresh FileFollower::refresh(int& error_number) {
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    error_number = errno;
    return Refresh::error;
  }
  size_ = static_cast<uint64_t>(st.st_size);
  link_count_ = st.st_nlink;
  if (awaiting_size_) {
    if (size_ < read_offset_) return Refresh::ok;  // a copy still being written
    awaiting_size_ = false;
  }
  if (size_ < read_offset_) return Refresh::truncated;

  // The size counts as much as the mtime: on filesystems with coarse
  // timestamps a rewrite within one tick keeps the mtime, not the size.
  const bool changed = !head_checked_ || size_ != checked_size_ ||
                       st.st_mtim.tv_sec != mtime_.tv_sec || st.st_mtim.tv_nsec != mtime_.tv_nsec;
  if (!changed) return Refresh::ok;
  // Re-hash the head (one pread of at most kFingerprintMaxBytes, only when
  // the file changed): it catches a file truncated and rewritten past our
  // offset between two polls, and grows a fingerprint taken while small.
  char head[kFingerprintMaxBytes];
  const uint32_t want = static_cast<uint32_t>(std::min<uint64_t>(size_, kFingerprintMaxBytes));
  const long got = read_head(fd_, want, head);
  if (got < 0) {
    error_number = errno;
    return Refresh::error;
  }
  const uint32_t have = static_cast<uint32_t>(got);
  if (have < fingerprint_.length ||
      fnv1a64(std::string_view(head, fingerprint_.length)) != fingerprint_.hash) {
    if (fingerprint_.length > 0) return Refresh::truncated;
  }
  fingerprint_.hash = fnv1a64(std::string_view(head, have));
  fingerprint_.length = have;
  mtime_ = st.st_mtim;
  checked_size_ = size_;
  head_checked_ = true;
  return Refresh::ok;
}

void FileFollower::restart_from_beginning() {
  if (splitter_) splitter_->reset();
  read_offset_ = 0;
  awaiting_size_ = false;
  fingerprint_ = {};
  head_checked_ = false;  // the next refresh() fingerprints the new content
}

uint64_t FileFollower::read_available(uint64_t budget, LineSink& sink, int& error_number) {
  error_number = 0;
  if (awaiting_size_ && size_ < read_offset_) return 0;
  uint64_t total = 0;
  while (total < budget) {
    if (!splitter_) splitter_ = std::make_unique<LineSplitter>(max_line_bytes_, read_block_);
    std::span<char> area = splitter_->read_area();
    const size_t want = std::min(area.size(), read_block_);
    const ssize_t n = ::pread(fd_, area.data(), want, static_cast<off_t>(read_offset_));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) error_number = errno;
      break;
    }
    if (n == 0) break;
    splitter_->commit(static_cast<size_t>(n), sink);
    read_offset_ += static_cast<uint64_t>(n);
    total += static_cast<uint64_t>(n);
    // A short read means we reached the end as of now; skip the extra read(2)
    // that would only confirm it. Later bytes are picked up by the next poll.
    if (static_cast<size_t>(n) < want) break;
  }
  if (read_offset_ > size_) size_ = read_offset_;
  return total;
}

void FileFollower::release_buffer_if_idle() {
  if (splitter_ && splitter_->pending_bytes() == 0) splitter_.reset();
}

FilePosition FileFollower::position() const {
  FilePosition p;
  p.path = real_path_.empty() ? path_ : real_path_;
  p.device = device_;
  p.inode = inode_;
  p.offset = consumed_offset();
  p.fingerprint = fingerprint_.hash;
  p.fingerprint_length = fingerprint_.length;
  return p;
}

uint64_t tail_start_offset(int fd, uint64_t size, size_t max_line_bytes) {
  constexpr size_t kChunk = 64 * 1024;
  std::vector<char> buf(kChunk);
  const uint64_t limit = static_cast<uint64_t>(max_line_bytes) + 1;
  uint64_t end = size;
  while (end > 0 && size - end < limit) {
    const size_t len = static_cast<size_t>(std::min<uint64_t>(end, kChunk));
    const uint64_t begin = end - len;
    size_t got = 0;
    while (got < len) {
      ssize_t n = ::pread(fd, buf.data() + got, len - got, static_cast<off_t>(begin + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return size;  // unreadable: plain end of file
      got += static_cast<size_t>(n);
    }
    for (size_t i = len; i > 0; --i) {
      if (buf[i - 1] == '\n') return begin + i;
    }
    end = begin;
  }
  if (end == 0) return 0;  // the whole file is one unfinished line
  // No newline within a maximal line: start inside it, so the splitter skips
  // the rest of it as over-long instead of emitting a fragment.
  return size - limit;
}

}  // namespace sdx
