// Regression replay without libFuzzer: feeds every file named on the command
// line (directories: every regular file in them, recursively, in name order)
// to LLVMFuzzerTestOneInput once. Built with the normal compiler so the
// committed corpora and crash inputs run in every test build, sanitized ones
// included. A crash or a failed check ends the process; a missing path fails.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "fuzz_target.h"

namespace fs = std::filesystem;

namespace {

// Like libFuzzer's -rss_limit_mb and -timeout (bench/fuzz.sh uses the same
// values): an input that once made the code hang or grow without bound fails
// fast if the bug comes back, instead of eating the machine's memory.
constexpr long kRssLimitMb = 2048;
constexpr auto kTimeout = std::chrono::seconds(30);

std::vector<fs::path> files;    // fixed before the watchdog starts
std::atomic<long> current{-1};  // index into files, -1 between inputs
std::atomic<std::chrono::steady_clock::rep> started{0};

long rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

[[noreturn]] void watchdog() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const long index = current.load();
    if (index < 0) continue;
    const auto elapsed = std::chrono::steady_clock::now().time_since_epoch().count() - started;
    const char* file = files[static_cast<size_t>(index)].c_str();
    if (const long rss = rss_mb(); rss > kRssLimitMb) {
      std::fprintf(stderr, "out of memory: %ld MB (limit %ld) replaying %s\n", rss, kRssLimitMb,
                   file);
      std::abort();
    }
    if (std::chrono::steady_clock::duration(elapsed) > kTimeout) {
      std::fprintf(stderr, "timeout: over %lld s replaying %s\n",
                   static_cast<long long>(kTimeout.count()), file);
      std::abort();
    }
  }
}

bool replay_file(size_t index) {
  const fs::path& path = files[index];
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // An exact-size heap copy, like libFuzzer's, so ASan sees reads past the end.
  auto data = std::make_unique<uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), data.get());
  std::fprintf(stderr, "replay %s (%zu bytes)\n", path.c_str(), bytes.size());
  started = std::chrono::steady_clock::now().time_since_epoch().count();
  current = static_cast<long>(index);
  LLVMFuzzerTestOneInput(data.get(), bytes.size());
  current = -1;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) found.push_back(entry.path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(arg, ec)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "no such file or directory: %s\n", arg.c_str());
      return 1;
    }
  }
  std::thread(watchdog).detach();
  for (size_t i = 0; i < files.size(); ++i) {
    if (!replay_file(i)) return 1;
  }
  std::fprintf(stderr, "replayed %zu inputs\n", files.size());
  return files.empty() ? 1 : 0;
}
