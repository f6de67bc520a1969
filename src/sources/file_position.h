#pragma once
#include <cstdint>
#include <string>

namespace sdx {

// Where reading of one file stands: what a checkpoint saves per file.
struct FilePosition {
  std::string path;  // last known name (informational: identity is below)
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t offset = 0;  // start of the first byte not yet consumed as a whole line
  // Hash of the file's first fingerprint_length bytes (up to 1 KiB): tells a
  // reused inode from the old file, and recognises a copytruncate copy.
  uint64_t fingerprint = 0;
  uint32_t fingerprint_length = 0;
};

}  // namespace sdx
