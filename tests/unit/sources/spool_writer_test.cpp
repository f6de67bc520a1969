#include "sources/spool_writer.h"

#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "temp_dir.h"

namespace sdx {
namespace {

std::vector<std::string> spool_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("spool writer: every line from many threads is written before its callback",
          "[webhook][spool]") {
  test::TempDir dir;
  std::atomic<int> syncs{0};
  SpoolWriter writer({dir / "spool", uint64_t{64} << 20, true}, [&](double) { ++syncs; });
  std::string error;
  REQUIRE(writer.start(error));
  struct stat st {};
  REQUIRE(::stat((dir / "spool").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  constexpr int kThreads = 8, kPerThread = 200;
  std::atomic<int> written{0}, failed{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Catch's assertions are not thread-safe: threads count, the test
      // thread checks.
      for (int i = 0; i < kPerThread; ++i) {
        std::atomic<bool> done{false};
        const std::string line = "line " + std::to_string(t) + " " + std::to_string(i);
        const bool accepted = writer.append(line, [&](bool ok) {
          // Already in the file when the callback runs.
          const auto lines = lines_of(writer.current_file());
          if (ok && std::find(lines.begin(), lines.end(), line) != lines.end()) {
            ++written;
          } else {
            ++failed;
          }
          done = true;
        });
        if (!accepted) {
          ++refused;
          continue;
        }
        while (!done) std::this_thread::yield();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  writer.stop();
  CHECK(refused == 0);
  CHECK(written == kThreads * kPerThread);
  CHECK(failed == 0);
  // Group commit: fewer fsyncs than lines is possible, more is not.
  CHECK(syncs > 0);
  CHECK(syncs <= kThreads * kPerThread);

  const auto files = spool_files(dir / "spool");
  REQUIRE(files.size() == 1);
  REQUIRE(::stat(files[0].c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto lines = lines_of(files[0]);
  REQUIRE(lines.size() == kThreads * kPerThread + 1);
  CHECK(lines[0].starts_with("# "));
  CHECK(std::set<std::string>(lines.begin() + 1, lines.end()).size() == kThreads * kPerThread);
  CHECK_FALSE(writer.append("late", [](bool) {}));
}

TEST_CASE("spool writer: rotates by size and starts a new file on each start", "[webhook][spool]") {
  test::TempDir dir;
  {
    SpoolWriter writer({dir.path(), 4096, false}, nullptr);
    std::string error;
    REQUIRE(writer.start(error));
    for (int i = 0; i < 100; ++i) {
      std::atomic<bool> done{false};
      writer.append(std::string(100, 'a' + i % 26), [&](bool) { done = true; });
      while (!done) std::this_thread::yield();
    }
  }
  const auto first = spool_files(dir.path());
  CHECK(first.size() >= 3);  // ~10 KiB in files of 4 KiB
  size_t lines = 0;
  std::set<std::string> headers;
  for (const auto& file : first) {
    const auto content = lines_of(file);
    headers.insert(content.at(0));
    lines += content.size() - 1;
  }
  CHECK(lines == 100);
  CHECK(headers.size() == first.size());  // every file starts differently

  SpoolWriter again({dir.path(), 4096, false}, nullptr);
  std::string error;
  REQUIRE(again.start(error));
  const auto second = spool_files(dir.path());
  CHECK(second.size() == first.size() + 1);
  CHECK(again.current_file() == second.back());
  CHECK(again.current_file() > first.back());
}

}  // namespace sdx
