#pragma once
// Drives every file source from one thread: wakes on inotify (and on a poll
// interval, for filesystems where inotify says nothing), reads new lines, and
// writes checkpoints between reads, so the saved positions and counters
// always describe the same set of lines.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
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

  // Any thread: asks the loop for a checkpoint between two reads and waits
  // for it. False on timeout or when the loop is not running.
  bool checkpoint_now(std::chrono::milliseconds timeout);

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

  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_done_;
  uint64_t checkpoints_requested_ = 0;  // guarded by checkpoint_mutex_
  uint64_t checkpoints_completed_ = 0;  // guarded by checkpoint_mutex_
  bool running_ = false;                // guarded by checkpoint_mutex_
  void take_checkpoint();
};

}  // namespace sdx
