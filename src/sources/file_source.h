#pragma once
// type: file — follows paths/globs like `tail -F`: appended lines, new files
// matching a glob, rename+create rotation (the old file is read to its end
// first), copytruncate and truncation, deletion. Files are identified by
// device+inode plus a fingerprint of their first bytes.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sources/file_position.h"
#include "sources/line_sink.h"
#include "sources/source.h"

namespace sdx {

class FdBudget;

struct FileSourceOptions {
  std::string name;
  std::vector<std::string> paths;  // plain paths or globs
  bool start_at_beginning = true;  // for files not in the restored state
  size_t max_line_bytes = size_t{1} << 20;
  size_t read_block = size_t{1} << 20;
  // How long a file whose name was renamed away or deleted is still read
  // after its last new data: its writer appends to the old handle until it
  // reopens its log (e.g. on logrotate's postrotate HUP).
  std::chrono::milliseconds rotate_grace{5000};
  // Files holding a descriptor at once; fully read files are closed to make
  // room (and after idle_close without new data), and reopened when they grow.
  size_t max_open_files = 256;
  std::chrono::milliseconds idle_close{30000};
  FdBudget* fd_budget = nullptr;  // null: the process's
};

// Self-metric counters of one file source; written by the ingest thread,
// read by scrapes.
struct FileSourceStats {
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> files_followed{0};  // gauge: currently open files
  std::atomic<uint64_t> rotations{0};       // a followed name now points to another file
  std::atomic<uint64_t> truncations{0};     // a followed file shrank
  std::atomic<uint64_t> read_errors{0};
  std::atomic<uint64_t> positions_dropped{0};  // saved positions no file matched at start
  std::atomic<uint64_t> compressed_skipped{0};
  std::atomic<uint64_t> files_open{0};     // gauge: holding a descriptor
  std::atomic<uint64_t> files_waiting{0};  // had to wait for a descriptor
  std::atomic<uint64_t> fd_exhausted{
      0};  // EMFILE/ENFILE on open  // compressed files matched and skipped
};

class FileSource final : public Source {
 public:
  // Self metrics in `stats` (owned by the caller; tests read them).
  FileSource(FileSourceOptions options, LineSink& sink, FileSourceStats& stats);
  // Self metrics of its own.
  FileSource(FileSourceOptions options, LineSink& sink);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  const std::string& name() const override;
  void attach(LineSink& sink) override;

  // Positions from the last checkpoint; call before the first poll().
  void restore(const std::vector<FilePosition>& positions);
  void restore(const SourceState& state) override { restore(state.positions); }
  SourceState state() const override;
  // The configured paths, as written: what a renamed source is found by.
  static std::string identity_of(const std::vector<std::string>& paths);

  // One pass: rescans the globs, notices rotation/truncation/deletion, and
  // reads new complete lines into the sink, at most ~max_bytes in total.
  // Returns the bytes read (0 = nothing new).
  uint64_t poll(uint64_t max_bytes) override;
  uint64_t poll() { return poll(UINT64_MAX); }

  void collect(std::vector<prometheus::MetricFamily>& out) const override;

  // Positions of every file followed (or finished but still present), for
  // the checkpoint. Consistent with the lines handed to the sink so far.
  std::vector<FilePosition> positions() const;

  // Directories that inotify should watch for this source's paths.
  std::vector<std::string> watch_directories() const override;

 private:
  struct Impl;
  std::unique_ptr<FileSourceStats> owned_stats_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sdx
