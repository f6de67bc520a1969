#pragma once
// Drives every file source from one thread: wakes on inotify (and on a poll
// interval, for filesystems where inotify says nothing), reads new lines, and
// writes checkpoints between reads, so the saved positions and counters
// always describe the same set of lines.
#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

#include "sources/file_source.h"

namespace sdx {

class IngestLoop {
 public:
  using CheckpointFn = std::function<void()>;

  IngestLoop(std::vector<FileSource*> sources, std::chrono::milliseconds poll_interval,
             std::chrono::milliseconds checkpoint_interval, CheckpointFn checkpoint);
  ~IngestLoop();
  IngestLoop(const IngestLoop&) = delete;
  IngestLoop& operator=(const IngestLoop&) = delete;

  // Blocks until stop(); takes a final checkpoint before returning.
  void run();
  // Any thread (signal handler thread included).
  void stop();

  // Reads every source until nothing new is left (startup catch-up, --once).
  void drain();

 private:
  void watch_directories();
  uint64_t poll_sources();

  std::vector<FileSource*> sources_;
  std::chrono::milliseconds poll_interval_;
  std::chrono::milliseconds checkpoint_interval_;
  CheckpointFn checkpoint_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
};

}  // namespace sdx
