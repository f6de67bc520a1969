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
  enum class Status { ok, missing, corrupt };
  Status status = Status::missing;
  Checkpoint checkpoint;
  std::string message;  // why it is corrupt
};

// Never throws: I/O errors come back as false with `error` set.
bool save_checkpoint(const std::string& path, const Checkpoint& checkpoint, std::string& error);
CheckpointLoad load_checkpoint(const std::string& path);
// Renames a corrupt state file aside (path + ".corrupt-<unix time>"); returns the new name
// or "" on failure.
std::string move_corrupt_checkpoint_aside(const std::string& path);

}  // namespace sdx
