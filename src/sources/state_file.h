#pragma once
// The checkpoint: file positions and counter values saved together in one
// atomic write (temp file, fsync, rename, fsync dir), guarded by a checksum.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sources/file_position.h"
#include "sources/source.h"

namespace sdx {

struct Checkpoint {
  // source name -> its state (file positions, identity, cursor)
  std::map<std::string, SourceState> sources;
  // counter key (opaque, encoded by metrics/) -> value
  std::vector<std::pair<std::string, uint64_t>> counters;
  int64_t written_at = 0;  // unix seconds
};

struct CheckpointLoad {
  // missing: no file (ENOENT, or a path component is not a directory).
  // corrupt: the bytes were read but fail the checksum or the parse.
  // unreadable: open or read failed (EACCES, EIO, EISDIR, ...): the file may
  // well be good, so it must not be moved aside or overwritten.
  enum class Status { ok, missing, corrupt, unreadable };
  Status status = Status::missing;
  Checkpoint checkpoint;
  std::string message;  // why it is corrupt or unreadable
};

// Never throws: I/O errors come back as false with `error` set.
bool save_checkpoint(const std::string& path, const Checkpoint& checkpoint, std::string& error);
CheckpointLoad load_checkpoint(const std::string& path);
// Renames a corrupt state file aside (path + ".corrupt-<unix time>"); returns the new name
// or "" on failure.
std::string move_corrupt_checkpoint_aside(const std::string& path);

// One state file, one owner: an exclusive flock(2) on a lock file beside the
// state file (state_lock_path), held while the object lives. The state file
// itself is replaced by rename at every checkpoint, so its inode cannot carry
// the lock. The holder's pid is written into the lock file for the message a
// second instance gives. The lock file is never removed (removing it would
// let a third process lock a new inode while the first still holds the old).
class StateFileLock {
 public:
  enum class Result {
    locked,          // held by this object now
    held_elsewhere,  // another open lock (another process) holds it
    failed,          // the lock file cannot be created or locked (message says why)
  };
  StateFileLock() = default;
  ~StateFileLock();
  StateFileLock(StateFileLock&& other) noexcept;
  StateFileLock& operator=(StateFileLock&& other) noexcept;
  StateFileLock(const StateFileLock&) = delete;
  StateFileLock& operator=(const StateFileLock&) = delete;

  // Creates the state file's directory and the lock file if needed, then
  // tries the lock without waiting. Never throws. On held_elsewhere the
  // message names the state file and, if known, the holder's pid.
  Result acquire(const std::string& state_path, std::string& message);
  bool held() const { return fd_ >= 0; }
  void release();

 private:
  int fd_ = -1;
};

std::string state_lock_path(const std::string& state_path);

}  // namespace sdx
