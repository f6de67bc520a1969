// load_checkpoint on arbitrary file contents, and CounterRow::from_key on
// arbitrary keys.
//
// An input without a '\n' is taken as a checkpoint body and gets its correct
// checksum line appended, so mutations reach the JSON reading instead of all
// dying at the checksum; any other input is the whole file as is. Loading must
// never throw; a checkpoint that loads must survive save_checkpoint and load
// again unchanged, and every key from_key accepts must come back from key().
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include "fuzz_target.h"
#include "metrics/counter_row.h"
#include "sources/fingerprint.h"
#include "sources/state_file.h"

namespace {

// One fixed pair of files per process, on tmpfs when there is one: the
// round trip's fsync costs nothing there.
struct TempFiles {
  std::string input;
  std::string resaved;
  TempFiles() {
    std::error_code ec;
    const std::string dir = std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
    const std::string base = dir + "/sdx-fuzz-state-" + std::to_string(::getpid());
    input = base;
    resaved = base + "-resaved";
  }
  ~TempFiles() {
    std::remove(input.c_str());
    std::remove(resaved.c_str());
  }
};

bool same_positions(const sdx::FilePosition& a, const sdx::FilePosition& b) {
  return a.path == b.path && a.device == b.device && a.inode == b.inode && a.offset == b.offset &&
         a.fingerprint == b.fingerprint && a.fingerprint_length == b.fingerprint_length;
}

bool same_checkpoint(const sdx::Checkpoint& a, const sdx::Checkpoint& b) {
  if (a.written_at != b.written_at || a.counters != b.counters) return false;
  if (a.positions.size() != b.positions.size()) return false;
  for (auto ia = a.positions.begin(), ib = b.positions.begin(); ia != a.positions.end();
       ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.size() != ib->second.size()) return false;
    for (size_t i = 0; i < ia->second.size(); ++i) {
      if (!same_positions(ia->second[i], ib->second[i])) return false;
    }
  }
  return true;
}

bool same_row(const sdx::CounterRow& a, const sdx::CounterRow& b) {
  return a.kind == b.kind && a.errcode == b.errcode && a.sub_errcode == b.sub_errcode &&
         a.label_values == b.label_values && a.value == b.value;
}

// Keys are not unique text (a length may have leading zeros), but the key()
// of a parsed row is canonical: it parses back to the same row and key.
void check_key(std::string_view key) {
  sdx::CounterRow row;
  if (!sdx::CounterRow::from_key(key, 42, row)) return;
  SDX_FUZZ_CHECK(row.value == 42);
  SDX_FUZZ_CHECK((row.kind == sdx::CounterRow::Kind::disconnect) == (key[0] == 'd'));
  if (row.kind == sdx::CounterRow::Kind::push) {
    SDX_FUZZ_CHECK(row.errcode.empty() && row.sub_errcode.empty());
  }
  const std::string canonical = row.key();
  sdx::CounterRow again;
  SDX_FUZZ_CHECK(sdx::CounterRow::from_key(canonical, 42, again));
  SDX_FUZZ_CHECK(same_row(row, again));
  SDX_FUZZ_CHECK(again.key() == canonical);
}

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  SDX_FUZZ_CHECK(out.good());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const TempFiles files;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_key(input);

  std::string file(input);
  if (input.find('\n') == std::string_view::npos) {
    char checksum[17];
    std::snprintf(checksum, sizeof checksum, "%016llx",
                  static_cast<unsigned long long>(sdx::fnv1a64(input)));
    file += "\nchecksum fnv1a64:";
    file += checksum;
    file += '\n';
  }
  write_file(files.input, file);

  const sdx::CheckpointLoad loaded = sdx::load_checkpoint(files.input);
  SDX_FUZZ_CHECK(loaded.status != sdx::CheckpointLoad::Status::missing);
  if (loaded.status != sdx::CheckpointLoad::Status::ok) {
    SDX_FUZZ_CHECK(!loaded.message.empty());
    return 0;
  }
  for (const auto& [key, value] : loaded.checkpoint.counters) check_key(key);

  std::string error;
  SDX_FUZZ_CHECK(sdx::save_checkpoint(files.resaved, loaded.checkpoint, error));
  const sdx::CheckpointLoad reloaded = sdx::load_checkpoint(files.resaved);
  SDX_FUZZ_CHECK(reloaded.status == sdx::CheckpointLoad::Status::ok);
  SDX_FUZZ_CHECK(same_checkpoint(loaded.checkpoint, reloaded.checkpoint));
  return 0;
}
