#pragma once
// The webhook's spool: accepted callbacks are appended by one writer thread
// that takes everything pending, writes it with one write(), makes it
// durable with one fdatasync (group commit), and only then tells each
// request's callback. Files are named spool-<sequence>.log in one
// directory; a new one is started at every start and when the current one
// passes its size limit. Each file begins with a "#" header line unique to
// it, so two files never share a fingerprint (file_follower tells files
// apart by their first bytes).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sdx {

struct SpoolOptions {
  std::string directory;
  uint64_t max_file_bytes = uint64_t{64} << 20;
  bool fsync = true;  // false: written to the page cache only (survives kill -9, not a crash)
};

class SpoolWriter {
 public:
  // true: the line is in the spool (durable when fsync is on).
  using Done = std::function<void(bool written)>;
  // Called after each fdatasync with its duration in seconds.
  using SyncObserver = std::function<void(double seconds)>;

  SpoolWriter(SpoolOptions options, SyncObserver on_sync);
  ~SpoolWriter();
  SpoolWriter(const SpoolWriter&) = delete;
  SpoolWriter& operator=(const SpoolWriter&) = delete;

  // Creates the directory (0700) and a new file (0600), starts the thread.
  bool start(std::string& error);
  // Any thread. `line` has no newline. False (and `done` not called) when
  // not running.
  bool append(std::string line, Done done);
  // Writes what is pending, calls every callback, joins the thread.
  void stop();

  // Path of the file being written (empty before start).
  std::string current_file() const;
  // The glob matching every spool file of `directory`.
  static std::string pattern(const std::string& directory);

 private:
  struct Pending {
    std::string line;
    Done done;
  };
  void run();
  bool open_next_file(std::string& error);
  bool write_batch(const std::string& bytes);

  const SpoolOptions options_;
  SyncObserver on_sync_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> pending_;  // guarded by mutex_
  bool running_ = false;          // guarded by mutex_
  bool stopping_ = false;         // guarded by mutex_
  std::string current_;           // guarded by mutex_
  std::thread thread_;
  // Writer thread only (and start()).
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t next_sequence_ = 1;
  bool torn_ = false;  // the current file may end in a partial line
};

}  // namespace sdx
