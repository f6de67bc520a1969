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
  if (a.sources.size() != b.sources.size()) return false;
  for (auto ia = a.sources.begin(), ib = b.sources.begin(); ia != a.sources.end(); ++ia, ++ib) {
    const auto& pa = ia->second.positions;
    const auto& pb = ib->second.positions;
    if (ia->first != ib->first || ia->second.identity != ib->second.identity ||
        ia->second.cursor != ib->second.cursor || pa.size() != pb.size()) {
      return false;
    }
    for (size_t i = 0; i < pa.size(); ++i) {
      if (!same_positions(pa[i], pb[i])) return false;
    }
  }
  return true;
}

bool same_row(const sdx::CounterRow& a, const sdx::CounterRow& b) {
  return a.kind == b.kind && a.source == b.source && a.category == b.category &&
         a.errcode == b.errcode && a.sub_errcode == b.sub_errcode &&
         a.label_values == b.label_values && a.value == b.value;
}

// Keys are not unique text (a length may have leading zeros), but the key()
// of a parsed row is canonical: it parses back to the same row and key.
void check_key(std::string_view key) {
  sdx::CounterRow row;
  std::vector<std::string> names;
  bool legacy = false;
  if (!sdx::CounterRow::from_key(key, 42, row, names, legacy)) return;
  SDX_FUZZ_CHECK(row.value == 42);
  SDX_FUZZ_CHECK((row.kind == sdx::CounterRow::Kind::disconnect) ==
                 (key[0] == 'd' || key[0] == 'D'));
  SDX_FUZZ_CHECK(legacy == (key[0] == 'd' || key[0] == 'p'));
  if (row.kind == sdx::CounterRow::Kind::push) {
    SDX_FUZZ_CHECK(row.errcode.empty() && row.sub_errcode.empty());
  }
  if (legacy) return;  // key() writes the current format only
  std::vector<sdx::Dimension> dims;
  for (const auto& name : names) {
    auto dimension = sdx::dimension_from_name(name);
    if (!dimension) return;  // only configured label names are ever written
    dims.push_back(*dimension);
  }
  const std::string canonical = row.key(dims);
  sdx::CounterRow again;
  std::vector<std::string> names_again;
  SDX_FUZZ_CHECK(sdx::CounterRow::from_key(canonical, 42, again, names_again, legacy));
  SDX_FUZZ_CHECK(same_row(row, again) && names_again == names);
  SDX_FUZZ_CHECK(again.key(dims) == canonical);
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
