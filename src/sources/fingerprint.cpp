#include "sources/fingerprint.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sdx {

uint64_t fnv1a64(std::string_view bytes, uint64_t state) {
  for (unsigned char c : bytes) {
    state ^= c;
    state *= 0x100000001b3ULL;
  }
  return state;
}

long read_head(int fd, uint32_t length, char* out) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<long>(done);
}

bool compute_fingerprint(int fd, uint64_t file_size, Fingerprint& out) {
  char head[kFingerprintMaxBytes];
  uint32_t want = static_cast<uint32_t>(std::min<uint64_t>(file_size, kFingerprintMaxBytes));
  long got = read_head(fd, want, head);
  if (got < 0) return false;
  out.length = static_cast<uint32_t>(got);
  out.hash = fnv1a64(std::string_view(head, out.length));
  return true;
}

bool fingerprint_matches(int fd, uint64_t file_size, const Fingerprint& fingerprint) {
  if (fingerprint.length > kFingerprintMaxBytes || file_size < fingerprint.length) return false;
  char head[kFingerprintMaxBytes];
  long got = read_head(fd, fingerprint.length, head);
  if (got != static_cast<long>(fingerprint.length)) return false;
  return fnv1a64(std::string_view(head, fingerprint.length)) == fingerprint.hash;
}

}  // namespace sdx
