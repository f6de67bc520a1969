#include "sources/state_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include "sources/fingerprint.h"
#include "sources/temp_dir.h"

namespace sdx {
namespace {

using test::read_file;
using test::TempDir;
using test::write_file;
namespace fs = std::filesystem;

Checkpoint sample() {
  Checkpoint cp;
  cp.written_at = 1700000000;
  FilePosition p;
  p.path = "/var/log/live/callbacks-1.jsonl";
  p.device = 2049;
  p.inode = UINT64_MAX;
  p.offset = 123456789012345ULL;
  p.fingerprint = 0x0123456789abcdefULL;
  p.fingerprint_length = 1024;
  cp.sources["callbacks-log"].positions = {p};
  FilePosition q;
  q.path = std::string("/odd/\"quoted\"\\back\nslash\x01\xff\xfe", 28);
  cp.sources["callbacks-log"].positions.push_back(q);
  cp.sources["callbacks-log"].identity = "file\n/var/log/live/callbacks-*.jsonl";
  cp.sources["empty"].cursor = std::string("cursor \xff\0", 9);
  cp.sources["empty"].positions = {};
  cp.sources[std::string("bad\xc3", 4)].positions = {p};
  cp.sources["hex:looks-encoded"].positions = {q};
  cp.sources["断流"].positions = {p};
  cp.counters = {
      {"stream_disconnects_total|category=arrears", 42},
      {"", 0},
      {std::string("nul\0inside", 10), 7},
      {"\x7f\x1f\t\"\\/", UINT64_MAX},
      {std::string("\xff\xc0\x80 invalid utf-8 \xed\xa0\x80", 21), 1},
      {"中文 message_zh=\"欠费\"", 3},
      {"{\"hex\":\"41\"}", 5},
  };
  return cp;
}

bool same(const FilePosition& a, const FilePosition& b) {
  return a.path == b.path && a.device == b.device && a.inode == b.inode && a.offset == b.offset &&
         a.fingerprint == b.fingerprint && a.fingerprint_length == b.fingerprint_length;
}

void check_equal(const Checkpoint& a, const Checkpoint& b) {
  CHECK(a.written_at == b.written_at);
  REQUIRE(a.sources.size() == b.sources.size());
  for (const auto& [name, state] : a.sources) {
    INFO("source " << name);
    REQUIRE(b.sources.count(name) == 1);
    CHECK(state.identity == b.sources.at(name).identity);
    CHECK(state.cursor == b.sources.at(name).cursor);
    const auto& list = state.positions;
    const auto& other = b.sources.at(name).positions;
    REQUIRE(list.size() == other.size());
    for (size_t i = 0; i < list.size(); ++i) CHECK(same(list[i], other[i]));
  }
  CHECK(a.counters == b.counters);
}

TEST_CASE("Checkpoint round trip keeps every byte of odd keys", "[sources]") {
  TempDir dir;
  const std::string path = dir / "state.json";
  std::string error;
  const Checkpoint cp = sample();
  REQUIRE(save_checkpoint(path, cp, error));
  CHECK(error.empty());
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CheckpointLoad load = load_checkpoint(path);
  REQUIRE(load.status == CheckpointLoad::Status::ok);
  check_equal(cp, load.checkpoint);

  // Format: one JSON line, then the checksum line.
  const std::string text = read_file(path);
  const size_t nl = text.find('\n');
  REQUIRE(nl != std::string::npos);
  CHECK(text.rfind("{\"version\":1,", 0) == 0);
  CHECK(text.substr(nl + 1, 17) == "checksum fnv1a64:");
  CHECK(text.size() == nl + 1 + 17 + 16 + 1);

  // Saving again replaces the file atomically.
  Checkpoint empty;
  REQUIRE(save_checkpoint(path, empty, error));
  load = load_checkpoint(path);
  REQUIRE(load.status == CheckpointLoad::Status::ok);
  check_equal(empty, load.checkpoint);
}

TEST_CASE("Checkpoint missing file", "[sources]") {
  TempDir dir;
  CheckpointLoad load = load_checkpoint(dir / "nope.json");
  CHECK(load.status == CheckpointLoad::Status::missing);
}

TEST_CASE("Checkpoint truncated at any length is corrupt", "[sources]") {
  TempDir dir;
  const std::string path = dir / "state.json";
  std::string error;
  REQUIRE(save_checkpoint(path, sample(), error));
  const std::string full = read_file(path);
  for (size_t len = 0; len + 1 < full.size(); ++len) {  // the final newline is optional
    write_file(path, full.substr(0, len));
    CheckpointLoad load = load_checkpoint(path);
    INFO("length " << len);
    CHECK(load.status == CheckpointLoad::Status::corrupt);
    CHECK_FALSE(load.message.empty());
  }
}

TEST_CASE("Checkpoint with a flipped byte is corrupt", "[sources]") {
  TempDir dir;
  const std::string path = dir / "state.json";
  std::string error;
  REQUIRE(save_checkpoint(path, sample(), error));
  const std::string full = read_file(path);
  for (size_t i = 0; i + 1 < full.size(); i += 7) {
    std::string bad = full;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    write_file(path, bad);
    INFO("byte " << i);
    CHECK(load_checkpoint(path).status == CheckpointLoad::Status::corrupt);
  }
}

// `body` with a valid checksum line, so only the structure checks can reject it.
std::string with_checksum(const std::string& body) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = body + "\nchecksum fnv1a64:";
  const uint64_t h = fnv1a64(body);
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(h >> shift) & 0xf]);
  return out + "\n";
}

TEST_CASE("Checkpoint with a valid checksum but a wrong structure is corrupt", "[sources]") {
  TempDir dir;
  const std::string path = dir / "state.json";
  const char* bodies[] = {
      "{",
      "[]",
      "{\"version\":2,\"written_at\":1,\"positions\":{},\"counters\":[]}",
      "{\"written_at\":1,\"positions\":{},\"counters\":[]}",
      "{\"version\":1,\"written_at\":\"1\",\"positions\":{},\"counters\":[]}",
      "{\"version\":1,\"written_at\":1,\"positions\":[],\"counters\":[]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{\"s\":{}},\"counters\":[]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{\"s\":[{\"path\":\"p\"}]},\"counters\":[]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{\"s\":[{\"path\":1,\"device\":1,\"inode\":1,"
      "\"offset\":1,\"fingerprint\":\"0000000000000000\",\"fingerprint_length\":0}]},"
      "\"counters\":[]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{\"s\":[{\"path\":\"p\",\"device\":-1,"
      "\"inode\":1,\"offset\":1,\"fingerprint\":\"0000000000000000\",\"fingerprint_length\":0}]},"
      "\"counters\":[]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{\"s\":[{\"path\":\"p\",\"device\":1,"
      "\"inode\":1,\"offset\":1,\"fingerprint\":\"xyz\",\"fingerprint_length\":0}]},"
      "\"counters\":[]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{\"s\":[{\"path\":\"p\",\"device\":1,"
      "\"inode\":1,\"offset\":1,\"fingerprint\":\"0000000000000000\",\"fingerprint_length\":"
      "5000}]},\"counters\":[]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{},\"counters\":{}}",
      "{\"version\":1,\"written_at\":1,\"positions\":{},\"counters\":[[\"k\"]]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{},\"counters\":[[\"k\",1.5]]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{},\"counters\":[[\"k\",-1]]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{},\"counters\":[[{\"hex\":\"4\"},1]]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{},\"counters\":[[{\"hex\":\"zz\"},1]]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{\"hex:4\":[]},\"counters\":[]}",
      "{\"version\":1,\"written_at\":1,\"positions\":{},\"counters\":[[\"k\",1]]} trailing",
  };
  for (const char* body : bodies) {
    write_file(path, with_checksum(body));
    CheckpointLoad load = load_checkpoint(path);
    INFO(body);
    CHECK(load.status == CheckpointLoad::Status::corrupt);
    CHECK_FALSE(load.message.empty());
  }
  // The minimal valid body loads.
  write_file(
      path,
      with_checksum("{\"version\":1,\"written_at\":-5,\"positions\":{},\"counters\":[[\"k\",1]]}"));
  CheckpointLoad load = load_checkpoint(path);
  REQUIRE(load.status == CheckpointLoad::Status::ok);
  CHECK(load.checkpoint.written_at == -5);
  CHECK(load.checkpoint.counters.size() == 1);
}

TEST_CASE("Checkpoint loader survives random bytes", "[sources]") {
  TempDir dir;
  const std::string path = dir / "state.json";
  std::string error;
  REQUIRE(save_checkpoint(path, sample(), error));
  const std::string full = read_file(path);
  std::mt19937 rng(12345);
  for (int round = 0; round < 300; ++round) {
    std::string data = full;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) data[rng() % data.size()] = static_cast<char>(rng());
    if (round % 3 == 0) data.resize(rng() % data.size());
    write_file(path, data);
    CheckpointLoad load = load_checkpoint(path);
    CHECK(load.status != CheckpointLoad::Status::missing);
  }
}

TEST_CASE("Checkpoint save to an unwritable place fails with the errno text", "[sources]") {
  TempDir dir;
  std::string error;
  CHECK_FALSE(save_checkpoint(dir / "no/such/dir/state.json", sample(), error));
  CHECK(error.find("No such file or directory") != std::string::npos);
  // Disk full: the temp file is a link to /dev/full.
  const std::string path = dir / "state.json";
  if (::symlink("/dev/full", (path + ".tmp").c_str()) == 0) {
    error.clear();
    CHECK_FALSE(save_checkpoint(path, sample(), error));
    CHECK(error.find("No space left on device") != std::string::npos);
    CHECK_FALSE(fs::exists(path));
  }
  // A read-only directory (only enforced when not running as root).
  if (::geteuid() != 0) {
    fs::create_directory(dir / "ro");
    ::chmod((dir / "ro").c_str(), 0500);
    error.clear();
    CHECK_FALSE(save_checkpoint(dir / "ro/state.json", sample(), error));
    CHECK_FALSE(error.empty());
    ::chmod((dir / "ro").c_str(), 0700);
  }
}

TEST_CASE("Corrupt checkpoint is moved aside", "[sources]") {
  TempDir dir;
  const std::string path = dir / "state.json";
  write_file(path, "garbage");
  CHECK(load_checkpoint(path).status == CheckpointLoad::Status::corrupt);
  const std::string aside = move_corrupt_checkpoint_aside(path);
  REQUIRE_FALSE(aside.empty());
  CHECK(aside.rfind(path + ".corrupt-", 0) == 0);
  CHECK(read_file(aside) == "garbage");
  CHECK(load_checkpoint(path).status == CheckpointLoad::Status::missing);
  CHECK(move_corrupt_checkpoint_aside(path).empty());
}

TEST_CASE("Checkpoint that cannot be read is unreadable, not corrupt", "[sources]") {
  TempDir dir;
  // Tests run as root, where chmod 000 does not stop a read: a directory in
  // place of the file opens but fails to read (EISDIR).
  const std::string path = dir / "state.json";
  fs::create_directory(path);
  write_file(path + "/inside", "kept");
  CheckpointLoad load = load_checkpoint(path);
  CHECK(load.status == CheckpointLoad::Status::unreadable);
  CHECK(load.message.find(path) != std::string::npos);
  CHECK(load.message.find("Is a directory") != std::string::npos);
  CHECK(fs::is_directory(path));
  CHECK(read_file(path + "/inside") == "kept");
}

TEST_CASE("Checkpoint under a file instead of a directory is missing", "[sources]") {
  TempDir dir;
  write_file(dir / "file", "x");
  CHECK(load_checkpoint(dir / "file/state.json").status == CheckpointLoad::Status::missing);
}

TEST_CASE("State file lock: one holder, the other is told its pid", "[sources]") {
  TempDir dir;
  const std::string path = dir / "sub/state.json";  // the directory is created
  StateFileLock first;
  std::string message;
  REQUIRE(first.acquire(path, message) == StateFileLock::Result::locked);
  CHECK(first.held());
  CHECK(read_file(state_lock_path(path)) == std::to_string(::getpid()) + "\n");

  // flock is per open file: a second open in this process conflicts like
  // another process would.
  StateFileLock second;
  CHECK(second.acquire(path, message) == StateFileLock::Result::held_elsewhere);
  CHECK_FALSE(second.held());
  CHECK(message.find(path) != std::string::npos);
  CHECK(message.find("pid " + std::to_string(::getpid())) != std::string::npos);

  // The state file itself is replaced by rename: the lock is unaffected.
  std::string error;
  REQUIRE(save_checkpoint(path, sample(), error));
  CHECK(second.acquire(path, message) == StateFileLock::Result::held_elsewhere);

  StateFileLock moved = std::move(first);
  CHECK_FALSE(first.held());
  CHECK(second.acquire(path, message) == StateFileLock::Result::held_elsewhere);
  moved.release();
  CHECK(second.acquire(path, message) == StateFileLock::Result::locked);
}

TEST_CASE("State file lock that cannot be created fails with the reason", "[sources]") {
  TempDir dir;
  write_file(dir / "file", "x");
  StateFileLock lock;
  std::string message;
  CHECK(lock.acquire(dir / "file/state.json", message) == StateFileLock::Result::failed);
  CHECK_FALSE(lock.held());
  CHECK(message.find("file/state.json.lock") != std::string::npos);
}

}  // namespace
}  // namespace sdx
