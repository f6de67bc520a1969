#pragma once
// Drives every polled source (type: file) from one thread: wakes on inotify (and on a poll
// interval, for filesystems where inotify says nothing), reads new lines, and
// writes checkpoints between reads, so the saved positions and counters
// always describe the same set of lines.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "sources/source.h"

namespace sdx {

class IngestLoop {
 public:
  // A checkpoint is taken in two steps: CheckpointFn runs on the loop's
  // thread between reads and returns the write (empty: nothing to write),
  // which a writer thread runs while the loop goes on reading.
  using WriteFn = std::function<void()>;
  using CheckpointFn = std::function<WriteFn()>;
  // The sources to poll, asked again after every task (a reload changes them).
  using SourceList = std::function<std::vector<Source*>()>;

  // A checkpoint every checkpoint_interval, and on request (scrapes), but
  // never more than one per checkpoint_min_interval.
  IngestLoop(SourceList sources, std::chrono::milliseconds poll_interval,
             std::chrono::milliseconds checkpoint_interval, CheckpointFn checkpoint,
             std::chrono::milliseconds checkpoint_min_interval = std::chrono::seconds(1));
  ~IngestLoop();
  IngestLoop(const IngestLoop&) = delete;
  IngestLoop& operator=(const IngestLoop&) = delete;

  // Blocks until stop(); takes a final checkpoint before returning.
  void run();
  // Any thread (signal handler thread included).
  void stop();

  // Reads every source until nothing new is left (startup catch-up, --once).
  void drain();

  // Called (on the loop's thread) when a source's poll throws. The source
  // is then left alone for a backoff (1 s, doubling up to 1 min) and polled
  // again: one failing source never stops the others or the process.
  using FailureFn = std::function<void(const Source&, const std::exception&)>;
  void on_source_failure(FailureFn fn) { on_failure_ = std::move(fn); }

  // Any thread (scrapes): makes sure the last durable checkpoint is recent.
  // If a snapshot was taken within checkpoint_min_interval, returns at
  // once (what is durable now is shown: scrape floods and HA pairs cost no
  // extra fsyncs); else asks the loop for one and waits until it is
  // written. False on timeout or when the loop is not running.
  bool recent_checkpoint(std::chrono::milliseconds timeout);

  // Any thread: runs `task` on the loop's thread between two reads (where
  // sources and counters may change) and waits for it. False when the loop
  // is not running or the task did not run within `timeout` (it still runs
  // later unless the loop stops first).
  bool run_task(std::function<void()> task, std::chrono::milliseconds timeout);

 private:
  void watch_directories();
  uint64_t poll_sources();

  SourceList list_sources_;
  std::vector<Source*> sources_;
  FailureFn on_failure_;
  struct Backoff {
    std::chrono::steady_clock::time_point retry_at;
    std::chrono::milliseconds delay{0};
  };
  std::unordered_map<const Source*, Backoff> backoff_;  // failing sources only
  std::chrono::milliseconds poll_interval_;
  std::chrono::milliseconds checkpoint_interval_;
  std::chrono::milliseconds checkpoint_min_interval_;
  CheckpointFn checkpoint_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};

  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_done_;
  uint64_t checkpoints_requested_ = 0;  // guarded by checkpoint_mutex_
  uint64_t checkpoints_completed_ = 0;  // guarded by checkpoint_mutex_
  bool running_ = false;                // guarded by checkpoint_mutex_
  // The writer thread's work: one write at a time.
  bool writing_ = false;          // guarded by checkpoint_mutex_
  WriteFn pending_write_;         // guarded by checkpoint_mutex_
  uint64_t pending_covers_ = 0;   // requests the pending write answers
  bool writer_stopping_ = false;  // guarded by checkpoint_mutex_
  std::condition_variable writer_wake_;
  std::chrono::steady_clock::time_point last_snapshot_at_{};  // guarded by checkpoint_mutex_
  void writer_loop();
  struct Task {
    std::function<void()> run;
    std::shared_ptr<bool> done;  // guarded by checkpoint_mutex_
  };
  std::vector<Task> tasks_;  // guarded by checkpoint_mutex_
  // Loop thread: takes a snapshot and hands its write to the writer thread,
  // if one is due and the writer is free. True when it did.
  bool start_checkpoint(std::chrono::steady_clock::time_point now, bool periodic_due);
  // Loop thread, at the end: waits for the writer, then writes synchronously.
  void final_checkpoint();
  // True when a task ran (the source list was refreshed).
  bool run_tasks();
};

}  // namespace sdx
