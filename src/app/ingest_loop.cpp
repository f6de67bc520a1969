#include "app/ingest_loop.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <thread>

namespace sdx {
namespace {

// Bytes read from all sources before the loop looks at the clock again: keeps
// checkpoints on time during a large backlog.
constexpr uint64_t kReadSlice = uint64_t{16} << 20;

}  // namespace

IngestLoop::IngestLoop(SourceList sources, std::chrono::milliseconds poll_interval,
                       std::chrono::milliseconds checkpoint_interval, CheckpointFn checkpoint,
                       std::chrono::milliseconds checkpoint_min_interval)
    : list_sources_(std::move(sources)),
      sources_(list_sources_()),
      poll_interval_(poll_interval),
      checkpoint_interval_(checkpoint_interval),
      checkpoint_min_interval_(checkpoint_min_interval),
      checkpoint_(std::move(checkpoint)) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  inotify_fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ < 0) {
    spdlog::warn("inotify unavailable ({}): polling every {} ms", std::strerror(errno),
                 poll_interval_.count());
  }
}

IngestLoop::~IngestLoop() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

void IngestLoop::watch_directories() {
  if (inotify_fd_ < 0) return;
  std::set<std::string> directories;
  for (Source* source : sources_) {
    for (auto& dir : source->watch_directories()) directories.insert(dir);
  }
  constexpr uint32_t kMask =
      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB;
  for (const auto& dir : directories) {
    // Adding an existing watch again is harmless; a missing directory is
    // retried on the next pass (it may be created later).
    inotify_add_watch(inotify_fd_, dir.c_str(), kMask);
  }
}

uint64_t IngestLoop::poll_sources() {
  using Clock = std::chrono::steady_clock;
  constexpr std::chrono::milliseconds kFirstBackoff{1000};
  constexpr std::chrono::milliseconds kMaxBackoff{60000};
  uint64_t total = 0;
  for (Source* source : sources_) {
    auto failing = backoff_.find(source);
    if (failing != backoff_.end() && Clock::now() < failing->second.retry_at) continue;
    try {
      total += source->poll(kReadSlice);
      if (failing != backoff_.end()) {
        spdlog::info("source {} reads again", source->name());
        backoff_.erase(failing);
      }
    } catch (const std::exception& e) {
      Backoff& backoff = backoff_[source];
      backoff.delay =
          std::min(kMaxBackoff, backoff.delay == std::chrono::milliseconds(0) ? kFirstBackoff
                                                                              : backoff.delay * 2);
      backoff.retry_at = Clock::now() + backoff.delay;
      spdlog::error("source {} failed: {}; retrying in {} ms", source->name(), e.what(),
                    backoff.delay.count());
      if (on_failure_) on_failure_(*source, e);
    }
  }
  return total;
}

void IngestLoop::drain() {
  while (poll_sources() > 0) {
  }
}

bool IngestLoop::start_checkpoint(std::chrono::steady_clock::time_point now, bool periodic_due) {
  uint64_t covers;
  {
    std::lock_guard lock(checkpoint_mutex_);
    if (writing_) return false;  // coalesced: the next one starts when this is written
    const bool requested = checkpoints_requested_ > checkpoints_completed_;
    if (!periodic_due && !(requested && now - last_snapshot_at_ >= checkpoint_min_interval_)) {
      return false;
    }
    covers = checkpoints_requested_;
  }
  WriteFn write = checkpoint_();
  std::lock_guard lock(checkpoint_mutex_);
  last_snapshot_at_ = now;
  writing_ = true;
  pending_write_ = write ? std::move(write) : [] {};
  pending_covers_ = covers;
  writer_wake_.notify_all();
  return true;
}

void IngestLoop::writer_loop() {
  std::unique_lock lock(checkpoint_mutex_);
  for (;;) {
    writer_wake_.wait(lock, [&] { return pending_write_ || writer_stopping_; });
    if (!pending_write_) return;  // stopping, nothing left
    WriteFn write = std::move(pending_write_);
    pending_write_ = nullptr;
    const uint64_t covers = pending_covers_;
    lock.unlock();
    try {
      write();
    } catch (const std::exception& e) {  // write failures are counted inside; this is worse
      spdlog::error("checkpoint writer: {}", e.what());
    }
    lock.lock();
    writing_ = false;
    checkpoints_completed_ = std::max(checkpoints_completed_, covers);
    checkpoint_done_.notify_all();
    writer_wake_.notify_all();
    uint64_t one = 1;  // the loop may be waiting to start the next one
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
}

void IngestLoop::final_checkpoint() {
  uint64_t covers;
  {
    std::unique_lock lock(checkpoint_mutex_);
    writer_wake_.wait(lock, [&] { return !writing_; });
    covers = checkpoints_requested_;
  }
  if (WriteFn write = checkpoint_()) write();
  {
    std::lock_guard lock(checkpoint_mutex_);
    checkpoints_completed_ = std::max(checkpoints_completed_, covers);
  }
  checkpoint_done_.notify_all();
}

bool IngestLoop::recent_checkpoint(std::chrono::milliseconds timeout) {
  std::unique_lock lock(checkpoint_mutex_);
  if (!running_) return false;
  if (std::chrono::steady_clock::now() - last_snapshot_at_ < checkpoint_min_interval_) return true;
  uint64_t wanted = ++checkpoints_requested_;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  return checkpoint_done_.wait_for(lock, timeout, [&] {
    return checkpoints_completed_ >= wanted || !running_;
  }) && checkpoints_completed_ >= wanted;
}

bool IngestLoop::run_task(std::function<void()> task, std::chrono::milliseconds timeout) {
  std::unique_lock lock(checkpoint_mutex_);
  if (!running_) return false;
  auto done = std::make_shared<bool>(false);
  tasks_.push_back({std::move(task), done});
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  return checkpoint_done_.wait_for(lock, timeout, [&] { return *done || !running_; }) && *done;
}

bool IngestLoop::run_tasks() {
  std::vector<Task> tasks;
  {
    std::lock_guard lock(checkpoint_mutex_);
    tasks.swap(tasks_);
  }
  if (tasks.empty()) return false;
  for (Task& task : tasks) {
    task.run();
    std::lock_guard lock(checkpoint_mutex_);
    *task.done = true;
  }
  sources_ = list_sources_();
  backoff_.clear();
  watch_directories();
  checkpoint_done_.notify_all();
  return true;
}

void IngestLoop::run() {
  using Clock = std::chrono::steady_clock;
  {
    std::lock_guard lock(checkpoint_mutex_);
    running_ = true;
    writer_stopping_ = false;
  }
  std::thread writer([this] { writer_loop(); });
  // Whatever way run() ends (an exception included), the writer finishes
  // its write and is joined: a joinable thread must not be destroyed.
  struct JoinWriter {
    IngestLoop& loop;
    std::thread& thread;
    ~JoinWriter() {
      {
        std::lock_guard lock(loop.checkpoint_mutex_);
        loop.writer_stopping_ = true;
        loop.running_ = false;
      }
      loop.writer_wake_.notify_all();
      thread.join();
      loop.checkpoint_done_.notify_all();
    }
  } join_writer{*this, writer};

  auto next_checkpoint = Clock::now() + checkpoint_interval_;
  auto next_watch_refresh = Clock::now();
  char events[16 * 1024];
  while (!stopping_.load()) {
    auto now = Clock::now();
    if (now >= next_watch_refresh) {
      watch_directories();
      next_watch_refresh = now + std::chrono::seconds(10);
    }
    run_tasks();
    uint64_t read = poll_sources();
    now = Clock::now();
    if (start_checkpoint(now, now >= next_checkpoint)) next_checkpoint = now + checkpoint_interval_;
    if (read > 0) continue;  // more may be waiting: read again before sleeping

    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    auto until_checkpoint =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_checkpoint - Clock::now());
    auto timeout = std::max<int64_t>(0, std::min(poll_interval_, until_checkpoint).count());
    int ready = ::poll(fds, inotify_fd_ >= 0 ? 2 : 1, static_cast<int>(timeout));
    if (ready > 0 && (fds[0].revents & POLLIN)) {
      uint64_t ignored;
      [[maybe_unused]] ssize_t n = ::read(wake_fd_, &ignored, sizeof ignored);
    }
    if (ready > 0 && (fds[1].revents & POLLIN)) {
      while (::read(inotify_fd_, events, sizeof events) > 0) {
      }
    }
  }
  final_checkpoint();
}

void IngestLoop::stop() {
  stopping_.store(true);
  uint64_t one = 1;
  if (wake_fd_ >= 0) {
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
}

}  // namespace sdx
