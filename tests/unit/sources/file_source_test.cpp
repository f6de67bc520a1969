#include "sources/file_source.h"

#include "sources/fd_budget.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

#include <filesystem>
#include <string>
#include <vector>

#include "sources/recording_sink.h"
#include "sources/temp_dir.h"

namespace sdx {
namespace {

using test::append_file;
using test::RecordingSink;
using test::TempDir;
using test::write_file;
using Lines = std::vector<std::string>;
namespace fs = std::filesystem;

FileSourceOptions options_for(std::vector<std::string> paths, bool beginning = true) {
  FileSourceOptions o;
  o.name = "test";
  o.paths = std::move(paths);
  o.start_at_beginning = beginning;
  // Most cases check when a file is let go: no grace (it has its own test).
  o.rotate_grace = std::chrono::milliseconds(0);
  o.max_line_bytes = 1024;
  o.read_block = 64;  // small blocks: every read spans several calls
  return o;
}

// Lines handed out since the last call.
Lines take(RecordingSink& sink) {
  Lines out = std::move(sink.lines);
  sink.lines.clear();
  return out;
}

struct Fixture {
  Fixture() : log_level(spdlog::get_level()) { spdlog::set_level(spdlog::level::warn); }
  ~Fixture() { spdlog::set_level(log_level); }
  spdlog::level::level_enum log_level;
  TempDir dir;
  RecordingSink sink;
  FileSourceStats stats;
};

TEST_CASE("FileSource reads appended lines; a partial line waits", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "a\nb\n");
  FileSource source(options_for({log}), f.sink, f.stats);
  CHECK(source.poll() == 4);
  CHECK(take(f.sink) == Lines{"a", "b"});
  CHECK(source.poll() == 0);
  append_file(log, "c\npart");
  source.poll();
  CHECK(take(f.sink) == Lines{"c"});
  REQUIRE(source.positions().size() == 1);
  CHECK(source.positions()[0].offset == 6);  // "part" is not consumed yet
  append_file(log, "ial\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"partial"});
  CHECK(source.positions()[0].offset == 14);
  CHECK(f.stats.bytes_read.load() == 14);
  CHECK(f.stats.files_followed.load() == 1);
  CHECK(source.name() == "test");
}

TEST_CASE("FileSource rename+create rotation loses nothing written to the old file", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n2\n");
  FileSource source(options_for({log}), f.sink, f.stats);
  source.poll();
  CHECK(take(f.sink) == Lines{"1", "2"});
  fs::rename(log, f.dir / "app.log.1");
  append_file(f.dir / "app.log.1", "3\n4\n");  // writer still on the old fd
  write_file(log, "5\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"3", "4", "5"});
  CHECK(f.stats.rotations.load() == 1);
  CHECK(f.stats.files_followed.load() == 1);
  append_file(log, "6\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"6"});
}

TEST_CASE("FileSource rotation seen before the new file exists", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n");
  FileSource source(options_for({log}), f.sink, f.stats);
  source.poll();
  fs::rename(log, f.dir / "app.log.1");
  append_file(f.dir / "app.log.1", "2\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"1", "2"});
  CHECK(f.stats.files_followed.load() == 0);
  write_file(log, "3\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"3"});
}

TEST_CASE("FileSource copytruncate: the copy's tail is read once", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n2\n");
  FileSource source(options_for({f.dir / "app.log*"}), f.sink, f.stats);
  source.poll();
  CHECK(take(f.sink) == Lines{"1", "2"});
  append_file(log, "3\n");  // not yet read when the copy is made
  fs::copy_file(log, f.dir / "app.log.1");
  REQUIRE(::truncate(log.c_str(), 0) == 0);
  append_file(log, "4\n");
  source.poll();
  Lines got = take(f.sink);
  std::sort(got.begin(), got.end());
  CHECK(got == Lines{"3", "4"});
  CHECK(f.stats.truncations.load() == 1);
  source.poll();
  CHECK(take(f.sink).empty());
}

TEST_CASE("FileSource copytruncate with the copy seen before the truncation", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n2\n");
  FileSource source(options_for({f.dir / "app.log*"}), f.sink, f.stats);
  source.poll();
  take(f.sink);
  append_file(log, "3\n");
  fs::copy_file(log, f.dir / "app.log.1");
  source.poll();  // the copy is a copy of a followed file: not read twice
  CHECK(take(f.sink) == Lines{"3"});
  append_file(log, "4\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"4"});
  REQUIRE(::truncate(log.c_str(), 0) == 0);
  append_file(log, "5\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"5"});
  source.poll();
  CHECK(take(f.sink).empty());
}

TEST_CASE("FileSource truncation restarts at the beginning", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "first line\nsecond\n");
  FileSource source(options_for({log}), f.sink, f.stats);
  source.poll();
  take(f.sink);
  SECTION("shrunk") {
    REQUIRE(::truncate(log.c_str(), 0) == 0);
    append_file(log, "x\n");
    source.poll();
    CHECK(take(f.sink) == Lines{"x"});
  }
  SECTION("truncated and rewritten past the old offset between two polls") {
    write_file(log, "another content, longer than before\ny\n");
    source.poll();
    CHECK(take(f.sink) == Lines{"another content, longer than before", "y"});
  }
  SECTION("rewritten within one timestamp tick (the mtime did not change)") {
    struct stat before;
    REQUIRE(::stat(log.c_str(), &before) == 0);
    write_file(log, "another content, longer than before\ny\n");
    // As on a filesystem with coarse timestamps: the rewrite keeps the mtime.
    const timespec times[2] = {before.st_atim, before.st_mtim};
    REQUIRE(::utimensat(AT_FDCWD, log.c_str(), times, 0) == 0);
    source.poll();
    CHECK(take(f.sink) == Lines{"another content, longer than before", "y"});
  }
  CHECK(f.stats.truncations.load() == 1);
  CHECK(source.positions()[0].offset == fs::file_size(log));
}

TEST_CASE("FileSource reads a deleted file to its end and closes it", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "a\n");
  FileSource source(options_for({log}), f.sink, f.stats);
  source.poll();
  append_file(log, "b\n");
  fs::remove(log);
  source.poll();
  CHECK(take(f.sink) == Lines{"a", "b"});
  CHECK(f.stats.files_followed.load() == 0);
  CHECK(f.stats.rotations.load() == 0);
  CHECK(source.positions().empty());
}

TEST_CASE("FileSource skips compressed files its glob matches, once each", "[sources]") {
  Fixture f;
  write_file(f.dir / "app.log", "a\n");
  // Real magic bytes of each format, then bytes that would be parse errors.
  write_file(f.dir / "app.log.1.gz", std::string("\x1f\x8b\x08\x00junk\n", 9));
  write_file(f.dir / "app.log.2.bz2", "BZh91AY&SYjunk\n");
  write_file(f.dir / "app.log.3.xz", std::string("\xfd"
                                                 "7zXZ\x00junk\n",
                                                 11));
  write_file(f.dir / "app.log.4.zst", "\x28\xb5\x2f\xfdjunk\n");
  write_file(f.dir / "app.log.5", "BZ is not bzip2\n");
  FileSource source(options_for({f.dir / "app.log*"}), f.sink, f.stats);
  source.poll();
  source.poll();
  Lines lines = take(f.sink);
  std::sort(lines.begin(), lines.end());
  CHECK(lines == Lines{"BZ is not bzip2", "a"});
  CHECK(f.stats.compressed_skipped.load() == 4);
  CHECK(f.stats.files_followed.load() == 2);
}

TEST_CASE("FileSource holds at most max_open_files descriptors and reads every file", "[sources]") {
  Fixture f;
  for (int i = 0; i < 7; ++i) {
    write_file(f.dir / ("f" + std::to_string(i) + ".log"), "line " + std::to_string(i) + "\n");
  }
  FdBudget budget(100);
  FileSourceOptions options = options_for({f.dir / "*.log"});
  options.max_open_files = 2;
  options.fd_budget = &budget;
  FileSource source(options, f.sink, f.stats);
  for (int i = 0; i < 10; ++i) {
    source.poll();
    CHECK(f.stats.files_open.load() <= 2);
    CHECK(budget.in_use() <= 2);
  }
  Lines got = take(f.sink);
  std::sort(got.begin(), got.end());
  CHECK(got == Lines{"line 0", "line 1", "line 2", "line 3", "line 4", "line 5", "line 6"});
  CHECK(f.stats.files_followed.load() == 7);
  CHECK(f.stats.files_waiting.load() > 0);
  // A closed file that grows is opened again and read from where it was.
  append_file(f.dir / "f0.log", "more 0\n");
  append_file(f.dir / "f6.log", "more 6\n");
  for (int i = 0; i < 4; ++i) source.poll();
  got = take(f.sink);
  std::sort(got.begin(), got.end());
  CHECK(got == Lines{"more 0", "more 6"});
  CHECK(source.positions().size() == 7);
}

TEST_CASE("FileSource gives the process budget back when it goes", "[sources]") {
  Fixture f;
  write_file(f.dir / "a.log", "a\n");
  write_file(f.dir / "b.log", "b\n");
  FdBudget budget(1);
  FileSourceOptions options = options_for({f.dir / "*.log"});
  options.fd_budget = &budget;
  {
    FileSource source(options, f.sink, f.stats);
    for (int i = 0; i < 3; ++i) source.poll();
    CHECK(take(f.sink).size() == 2);  // one descriptor, used in turn
    CHECK(budget.in_use() == 1);
  }
  CHECK(budget.in_use() == 0);
}

TEST_CASE("FileSource follows new files matching a glob from their beginning", "[sources]") {
  Fixture f;
  write_file(f.dir / "a.log", "old\n");
  FileSource source(options_for({f.dir / "*.log"}, /*beginning=*/false), f.sink, f.stats);
  source.poll();
  CHECK(take(f.sink).empty());
  write_file(f.dir / "b.log", "b1\nb2\n");
  write_file(f.dir / "b.txt", "ignored\n");
  append_file(f.dir / "a.log", "a1\n");
  source.poll();
  Lines got = take(f.sink);
  std::sort(got.begin(), got.end());
  CHECK(got == Lines{"a1", "b1", "b2"});
  CHECK(f.stats.files_followed.load() == 2);
  CHECK(source.watch_directories() == std::vector<std::string>{f.dir.path()});
}

TEST_CASE("FileSource start_at end vs beginning for files present at start", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "a\nb\nunfini");
  SECTION("beginning") {
    FileSource source(options_for({log}, true), f.sink, f.stats);
    source.poll();
    CHECK(take(f.sink) == Lines{"a", "b"});
    append_file(log, "shed\n");
    source.poll();
    CHECK(take(f.sink) == Lines{"unfinished"});
  }
  SECTION("end: a line being written is taken whole") {
    FileSource source(options_for({log}, false), f.sink, f.stats);
    source.poll();
    CHECK(take(f.sink).empty());
    append_file(log, "shed\nc\n");
    source.poll();
    CHECK(take(f.sink) == Lines{"unfinished", "c"});
  }
}

TEST_CASE("FileSource restore resumes exactly where the checkpoint was", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n2\n3");
  std::vector<FilePosition> saved;
  {
    FileSource source(options_for({log}), f.sink, f.stats);
    source.poll();
    saved = source.positions();
  }
  CHECK(take(f.sink) == Lines{"1", "2"});
  REQUIRE(saved.size() == 1);
  CHECK(saved[0].offset == 4);
  append_file(log, "\n4\n");
  for (bool beginning : {true, false}) {
    RecordingSink sink;
    FileSource source(options_for({log}, beginning), sink, f.stats);
    source.restore(saved);
    source.poll();
    CHECK(sink.lines == Lines{"3", "4"});
  }
}

TEST_CASE("FileSource restore: same inode with other content reads from 0", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "old line one\nold line two\n");
  std::vector<FilePosition> saved;
  {
    FileSource source(options_for({log}), f.sink, f.stats);
    source.poll();
    saved = source.positions();
  }
  const auto inode = saved.at(0).inode;
  // Same inode, new content (as if the inode had been reused while we were down).
  write_file(log, "new content that is longer than the old one\nz\n");
  struct stat st;
  REQUIRE(::stat(log.c_str(), &st) == 0);
  REQUIRE(st.st_ino == inode);
  RecordingSink sink;
  FileSource source(options_for({log}, false), sink, f.stats);
  source.restore(saved);
  source.poll();
  CHECK(sink.lines == Lines{"new content that is longer than the old one", "z"});
}

TEST_CASE("FileSource restore: copytruncate while down resumes in the copy", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n2\n");
  std::vector<FilePosition> saved;
  {
    FileSource source(options_for({f.dir / "app.log*"}), f.sink, f.stats);
    source.poll();
    saved = source.positions();
  }
  append_file(log, "3\n");
  fs::copy_file(log, f.dir / "app.log.1");
  REQUIRE(::truncate(log.c_str(), 0) == 0);
  append_file(log, "4\n");
  RecordingSink sink;
  FileSource source(options_for({f.dir / "app.log*"}), sink, f.stats);
  source.restore(saved);
  source.poll();
  Lines got = sink.lines;
  std::sort(got.begin(), got.end());
  CHECK(got == Lines{"3", "4"});
}

TEST_CASE("FileSource restore: rename rotation while down", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n2\n");
  std::vector<FilePosition> saved;
  {
    FileSource source(options_for({f.dir / "app.log*"}), f.sink, f.stats);
    source.poll();
    saved = source.positions();
  }
  append_file(log, "3\n");
  fs::rename(log, f.dir / "app.log.1");
  write_file(log, "4\n");
  RecordingSink sink;
  FileSource source(options_for({f.dir / "app.log*"}), sink, f.stats);
  source.restore(saved);
  source.poll();
  Lines got = sink.lines;
  std::sort(got.begin(), got.end());
  CHECK(got == Lines{"3", "4"});
}

TEST_CASE("FileSource restore: a file renamed out of the paths while down is read to its end",
          "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n2\n");
  std::vector<FilePosition> saved;
  {
    FileSource source(options_for({log}), f.sink, f.stats);
    source.poll();
    saved = source.positions();
  }
  append_file(log, "3\n");
  fs::rename(log, f.dir / "app.log.1");  // not matched by the configured path
  write_file(log, "4\n");
  RecordingSink sink;
  FileSource source(options_for({log}), sink, f.stats);
  source.restore(saved);
  source.poll();
  source.poll();
  Lines got = sink.lines;
  std::sort(got.begin(), got.end());
  CHECK(got == Lines{"3", "4"});
  CHECK(f.stats.positions_dropped.load() == 0);
  CHECK(f.stats.files_followed.load() == 1);  // the old file was let go once read
}

TEST_CASE("FileSource restore: the old target of a re-pointed symlink is read to its end",
          "[sources]") {
  Fixture f;
  const std::string link = f.dir / "current.log";
  const fs::path logs = f.dir / "logs";
  const std::string day1 = logs / "day1.log";
  const std::string day2 = logs / "day2.log";
  fs::create_directory(logs);
  write_file(day1, "a\n");
  fs::create_symlink(day1, link);
  std::vector<FilePosition> saved;
  {
    FileSource source(options_for({link}), f.sink, f.stats);
    source.poll();
    CHECK(take(f.sink) == Lines{"a"});
    saved = source.positions();
  }
  REQUIRE(saved.size() == 1);
  // The position names the real file, not the link.
  CHECK(saved[0].path == fs::canonical(day1).string());
  append_file(day1, "b\nc\n");
  write_file(day2, "d\n");
  fs::remove(link);
  fs::create_symlink(day2, link);
  RecordingSink sink;
  FileSource source(options_for({link}), sink, f.stats);
  source.restore(saved);
  source.poll();
  Lines got = sink.lines;
  std::sort(got.begin(), got.end());
  CHECK(got == Lines{"b", "c", "d"});
  CHECK(f.stats.positions_dropped.load() == 0);
}

TEST_CASE("FileSource restore: a position whose file is gone is dropped, said and counted",
          "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n");
  std::vector<FilePosition> saved;
  {
    FileSource source(options_for({log}), f.sink, f.stats);
    source.poll();
    saved = source.positions();
  }
  fs::remove(log);
  write_file(log, "2\n");  // a new file (new inode) under the old name
  RecordingSink sink;
  FileSource source(options_for({log}), sink, f.stats);
  source.restore(saved);
  source.poll();
  CHECK(sink.lines == Lines{"2"});
  CHECK(f.stats.positions_dropped.load() == 1);
}

TEST_CASE("FileSource follows a rotated file renamed within the glob only once", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "a\n");
  FileSource source(options_for({f.dir / "app.log*"}), f.sink, f.stats);
  source.poll();
  CHECK(take(f.sink) == Lines{"a"});
  fs::rename(log, f.dir / "app.log.1");
  append_file(f.dir / "app.log.1", "b\n");
  write_file(log, "c\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"b", "c"});
  fs::rename(f.dir / "app.log.1", f.dir / "app.log.2");
  fs::rename(log, f.dir / "app.log.1");
  write_file(log, "");  // empty new file: nothing to read yet
  source.poll();
  CHECK(take(f.sink).empty());
  append_file(log, "d\n");
  append_file(f.dir / "app.log.2", "late\n");
  source.poll();
  Lines got = take(f.sink);
  std::sort(got.begin(), got.end());
  CHECK(got == Lines{"d", "late"});
  CHECK(f.stats.files_followed.load() == 3);
  std::vector<std::string> names;
  for (const FilePosition& p : source.positions()) names.push_back(p.path);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{log, f.dir / "app.log.1", f.dir / "app.log.2"});
}

TEST_CASE("FileSource: a file renamed out of the glob and back resumes", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "a\n");
  FileSource source(options_for({log}), f.sink, f.stats);
  source.poll();
  fs::rename(log, f.dir / "app.old");
  append_file(f.dir / "app.old", "b\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"a", "b"});
  CHECK(f.stats.files_followed.load() == 0);
  REQUIRE(source.positions().size() == 1);  // finished, still present
  CHECK(source.positions()[0].offset == 4);
  append_file(f.dir / "app.old", "c\n");
  fs::rename(f.dir / "app.old", log);
  source.poll();
  CHECK(take(f.sink) == Lines{"c"});
}

TEST_CASE("FileSource restore: a plain copy made while down is not read twice", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n2\n");
  std::vector<FilePosition> saved;
  {
    FileSource source(options_for({f.dir / "*"}), f.sink, f.stats);
    source.poll();
    saved = source.positions();
  }
  append_file(log, "3\n");
  fs::copy_file(log, f.dir / "a-copy.log");  // sorts before app.log
  RecordingSink sink;
  FileSource source(options_for({f.dir / "*"}), sink, f.stats);
  source.restore(saved);
  source.poll();
  CHECK(sink.lines == Lines{"3"});
  append_file(log, "4\n");
  source.poll();
  CHECK(sink.lines == Lines{"3", "4"});
  REQUIRE(::truncate(log.c_str(), 0) == 0);  // copytruncate finishing late
  append_file(log, "5\n");
  source.poll();
  CHECK(sink.lines == Lines{"3", "4", "5"});
}

TEST_CASE("FileSource poll respects max_bytes and positions follow the sink", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  std::string data;
  for (int i = 0; i < 200; ++i) data += "line number " + std::to_string(i) + "\n";
  write_file(log, data);
  FileSource source(options_for({log}), f.sink, f.stats);
  size_t polls = 0;
  uint64_t total = 0;
  while (uint64_t n = source.poll(100)) {
    CHECK(n <= 100 + 64);
    total += n;
    ++polls;
    // The checkpoint offset always sits right after the last line handed out.
    size_t consumed = 0;
    for (const std::string& l : f.sink.lines) consumed += l.size() + 1;
    CHECK(source.positions().at(0).offset == consumed);
  }
  CHECK(total == data.size());
  CHECK(polls > 10);
  CHECK(f.sink.lines.size() == 200);
  CHECK(f.sink.lines.back() == "line number 199");
}

TEST_CASE("FileSource skips over-long lines and resumes on the next", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "ok\n" + std::string(5000, 'x') + "\nnext\n");
  FileSource source(options_for({log}), f.sink, f.stats);
  source.poll();
  CHECK(take(f.sink) == Lines{"ok", "next"});
  CHECK(f.sink.oversized == 1);
}

TEST_CASE("FileSource: unreadable and missing paths do not stop the rest", "[sources]") {
  Fixture f;
  write_file(f.dir / "a.log", "a\n");
  fs::create_directory(f.dir / "dir.log");
  FileSource source(options_for({f.dir / "missing.log", f.dir / "*.log"}), f.sink, f.stats);
  source.poll();
  CHECK(take(f.sink) == Lines{"a"});
  CHECK(f.stats.files_followed.load() == 1);
}

}  // namespace
TEST_CASE("FileSource keeps reading a renamed file during the rotate grace", "[sources]") {
  Fixture f;
  const std::string log = f.dir / "app.log";
  write_file(log, "1\n");
  FileSourceOptions options = options_for({log});
  options.rotate_grace = std::chrono::milliseconds(300);
  FileSource source(options, f.sink, f.stats);
  source.poll();
  CHECK(take(f.sink) == Lines{"1"});
  fs::rename(log, f.dir / "app.log.1");
  write_file(log, "new\n");
  source.poll();  // sees the rename and the new file
  CHECK(take(f.sink) == Lines{"new"});
  CHECK(f.stats.rotations.load() == 1);
  // The writer has not reopened yet: its late lines still count.
  append_file(f.dir / "app.log.1", "late\n");
  source.poll();
  CHECK(take(f.sink) == Lines{"late"});
  CHECK(f.stats.files_followed.load() == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  source.poll();
  CHECK(f.stats.files_followed.load() == 1);  // let go after the grace
  append_file(f.dir / "app.log.1", "after\n");
  source.poll();
  CHECK(take(f.sink).empty());
}

}  // namespace sdx
