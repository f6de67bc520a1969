#pragma once
// File identity helpers: a 64-bit FNV-1a hash of a file's first bytes tells a
// reused inode from the old file and recognises a copy of a followed file.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sdx {

inline constexpr uint32_t kFingerprintMaxBytes = 1024;
inline constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;

// Streaming FNV-1a: fnv1a64(b, fnv1a64(a)) == fnv1a64(a + b), so a longer
// fingerprint can be computed on top of a shorter one.
uint64_t fnv1a64(std::string_view bytes, uint64_t state = kFnvOffsetBasis);

struct Fingerprint {
  uint64_t hash = 0;
  uint32_t length = 0;  // bytes hashed; 0 = empty file, nothing known yet
};

// Reads up to `length` bytes at offset 0 of `fd` into `out` (pread: the file
// offset is untouched). Returns the bytes read, or -1 on error (errno set).
long read_head(int fd, uint32_t length, char* out);

// Fingerprint of the first min(file size, kFingerprintMaxBytes) bytes of `fd`.
// Returns false on a read error.
bool compute_fingerprint(int fd, uint64_t file_size, Fingerprint& out);

// Whether the first `fingerprint.length` bytes of `fd` hash to it. A file
// shorter than that does not match.
bool fingerprint_matches(int fd, uint64_t file_size, const Fingerprint& fingerprint);

}  // namespace sdx
