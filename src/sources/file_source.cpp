#include "sources/file_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <unordered_set>

#include "sources/fd_budget.h"
#include "sources/file_follower.h"
#include "sources/fingerprint.h"
#include "sources/glob_paths.h"

namespace sdx {
namespace {

using Clock = std::chrono::steady_clock;

// A truncated file's old content may live on in a copy (copytruncate) that a
// later scan finds; its tail is read from here.
constexpr auto kTruncationMemory = std::chrono::seconds(60);
// Files closed while their inode still exists elsewhere, kept for positions().
constexpr size_t kMaxFinished = 128;
// An active file keeps its read buffer; an idle one gives it back.
constexpr auto kBufferIdle = std::chrono::seconds(10);
// How often "no file matches" is said again while nothing matches.
constexpr auto kNoMatchRewarn = std::chrono::minutes(10);

struct Tracked {
  uint64_t id = 0;
  std::unique_ptr<FileFollower> file;
  bool name_lost = false;  // its path no longer names it (renamed, replaced or deleted)
  Clock::time_point name_lost_at;
  bool fresh = false;  // needs a read in this poll (just opened or just un-shadowed)
  // Non-zero: this file is a copy of that tracked file (same fingerprint); its
  // bytes are that file's bytes, so only one of them is read ("one reader per
  // fingerprint"). It takes over at the original's offset when the original
  // is truncated or closed.
  uint64_t shadow_of = 0;
  Clock::time_point last_data = Clock::now();
  bool read_error_logged = false;
};

struct TruncationRecord {
  Fingerprint fingerprint;
  uint64_t offset = 0;
  std::string path;
  Clock::time_point when;
};

bool same_identity(const FilePosition& p, uint64_t dev, uint64_t ino) {
  return p.device == dev && p.inode == ino;
}

// The compression format whose magic bytes `head` starts with, or nullptr.
// Rotated logs compressed by logrotate often match the same glob as the log
// (app.log*): they are skipped, not parsed as text.
const char* compression_of(std::string_view head) {
  struct Magic {
    std::string_view bytes;
    const char* name;
  };
  static constexpr Magic kMagics[] = {
      {"\x1f\x8b", "gzip"},
      {"BZh", "bzip2"},
      {"\xfd"
       "7zXZ",
       "xz"},
      {"\x28\xb5\x2f\xfd", "zstd"},
  };
  for (const Magic& magic : kMagics) {
    if (head.substr(0, magic.bytes.size()) == magic.bytes) return magic.name;
  }
  return nullptr;
}

struct FileIdentity {
  uint64_t dev;
  uint64_t ino;
  bool operator==(const FileIdentity&) const = default;
};
struct FileIdentityHash {
  size_t operator()(const FileIdentity& id) const {
    return id.dev * 0x9e3779b97f4a7c15ULL ^ id.ino;
  }
};

// A followed name that is a symlink: the position keeps the real file's path.
void note_real_path(FileFollower& file) {
  char* real = ::realpath(file.path().c_str(), nullptr);
  if (real == nullptr) return;
  if (file.path() != real) file.set_real_path(real);
  std::free(real);
}

}  // namespace

struct FileSource::Impl {
  FileSourceOptions options;
  LineSink* sink;
  FileSourceStats& stats;
  std::vector<Tracked> files;
  std::vector<FilePosition> saved;  // restored, not yet claimed by a file
  std::deque<FilePosition> finished;
  std::vector<TruncationRecord> truncations;
  std::unordered_set<std::string> open_failures;  // logged once per path
  // Compressed files matched by a glob: skipped (and said) once each.
  std::unordered_set<FileIdentity, FileIdentityHash> compressed;
  // Bounded descriptors: files hold one only while they may have something
  // to read. Matched files waiting for one (counted once each on entry), and
  // those of them seen by the first scan (start_at applies to them).
  FdBudget& budget;
  size_t open_count = 0;
  std::unordered_set<FileIdentity, FileIdentityHash> waiting;
  std::unordered_set<FileIdentity, FileIdentityHash> waiting_initial;
  bool waiting_logged = false;    // said once per streak
  bool exhausted_logged = false;  // EMFILE/ENFILE, said once per streak
  bool waited_this_scan = false;
  bool locate_no_slot = false;
  bool scanned_once = false;
  // Restored from a checkpoint: start_at applies to a source's first run only;
  // after a restart, a file not in the checkpoint appeared since and is new.
  bool restored = false;
  size_t round_robin = 0;
  uint64_t next_id = 1;

  Impl(FileSourceOptions o, LineSink& s, FileSourceStats& st)
      : options(std::move(o)),
        sink(&s),
        stats(st),
        budget(options.fd_budget != nullptr ? *options.fd_budget : FdBudget::process()) {}
  ~Impl() {
    for (const Tracked& t : files) {
      if (t.file->is_open()) budget.release();
    }
  }

  // A descriptor for a file: within max_open_files and the process budget,
  // closing the least recently active fully read file to make room.
  bool acquire_slot();
  void release_slot() {
    --open_count;
    budget.release();
  }
  // Opens `path` under a slot: -1 when none is free (`no_slot` set) or the
  // open failed (errno kept).
  int open_file(const std::string& path, bool& no_slot);
  void close_file(int fd) {
    ::close(fd);
    release_slot();
  }
  bool park_one();
  void park(Tracked& t);
  void note_waiting(const FileIdentity& id);
  bool unpark(Tracked& t, const std::string& path);

  Tracked* find(uint64_t dev, uint64_t ino) {
    for (Tracked& t : files) {
      if (t.file->device() == dev && t.file->inode() == ino) return &t;
    }
    return nullptr;
  }
  Tracked* find_id(uint64_t id) {
    for (Tracked& t : files) {
      if (t.id == id) return &t;
    }
    return nullptr;
  }

  uint64_t poll(uint64_t max_bytes);
  uint64_t read_file(Tracked& t, uint64_t budget);
  void refresh_and_read(Tracked& t, uint64_t& total, uint64_t budget);
  void on_truncated(Tracked& t);
  void check_names();
  struct Candidate {
    std::string path;
    int fd = -1;
    uint64_t dev = 0;
    uint64_t ino = 0;
    uint64_t size = 0;
    bool reused_inode = false;  // its inode held other content at the checkpoint
  };
  void scan();
  void warn_if_nothing_matches();
  void resolve_unclaimed_positions();
  std::optional<Candidate> locate(const FilePosition& p, std::string& why);
  std::optional<Clock::time_point> no_match_since;  // last no-match warning
  std::optional<Candidate> open_candidate(const std::string& path, const struct stat& seen);
  void place_candidate(Candidate& c);
  void adopt(Candidate& c, uint64_t offset, bool may_be_short, uint64_t shadow_of, const char* how);
  void release_shadows_of(const Tracked& original, uint64_t offset);
  void close_lost_names(uint64_t& total, uint64_t budget);
  void check_shadow_divergence();
  void housekeeping();
  // Files with copies (shadows) compare their bytes against the original's
  // descriptor: they stay open. Copies are rare, so this set is small.
  std::unordered_set<uint64_t> shadowed_ids() const {
    std::unordered_set<uint64_t> ids;
    for (const Tracked& t : files) {
      if (t.shadow_of != 0) ids.insert(t.shadow_of);
    }
    return ids;
  }
  bool parkable(const Tracked& t, const std::unordered_set<uint64_t>& shadowed) const {
    return t.file->is_open() && t.shadow_of == 0 && !t.name_lost && !t.fresh &&
           t.file->fully_consumed() && shadowed.count(t.id) == 0;
  }
  // Indexes into `files` of parkable files, most recently active first (so
  // the least recently active is at the back), built once per poll when
  // room is first needed: making room for thousands of waiting files stays
  // O(n log n), not O(n) per file. Indexes stay valid within a poll (files
  // are only appended until close_lost_names).
  std::vector<size_t> park_queue;
  bool park_queue_built = false;
};

uint64_t FileSource::Impl::read_file(Tracked& t, uint64_t budget) {
  int err = 0;
  const uint64_t n = t.file->read_available(budget, *sink, err);
  if (err != 0) {
    stats.read_errors.fetch_add(1, std::memory_order_relaxed);
    if (!t.read_error_logged) {
      spdlog::warn("source {}: reading {}: {}", options.name, t.file->path(), std::strerror(err));
      t.read_error_logged = true;
    }
  } else if (n > 0) {
    t.read_error_logged = false;
  }
  if (n > 0) t.last_data = Clock::now();
  return n;
}

void FileSource::Impl::refresh_and_read(Tracked& t, uint64_t& total, uint64_t budget) {
  if (t.shadow_of != 0 || !t.file->is_open()) return;
  int err = 0;
  switch (t.file->refresh(err)) {
    case FileFollower::Refresh::error:
      stats.read_errors.fetch_add(1, std::memory_order_relaxed);
      if (!t.read_error_logged) {
        spdlog::warn("source {}: fstat {}: {}", options.name, t.file->path(), std::strerror(err));
        t.read_error_logged = true;
      }
      return;
    case FileFollower::Refresh::truncated:
      on_truncated(t);
      break;
    case FileFollower::Refresh::ok:
      break;
  }
  if (total < budget) total += read_file(t, budget - total);
}

void FileSource::Impl::on_truncated(Tracked& t) {
  const uint64_t old_offset = t.file->consumed_offset();
  const Fingerprint old_fingerprint = t.file->fingerprint();
  stats.truncations.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("source {}: {} was truncated at offset {}; reading it again from the start",
               options.name, t.file->path(), old_offset);
  bool adopted = false;
  for (Tracked& s : files) {
    if (s.shadow_of == t.id) {
      // The copy holds what the truncation removed: continue there.
      s.shadow_of = 0;
      s.file->start_at(old_offset, true);
      s.fresh = true;
      adopted = true;
      spdlog::info("source {}: continuing {} in its copy {} at offset {}", options.name,
                   t.file->path(), s.file->path(), old_offset);
    }
  }
  if (!adopted && old_fingerprint.length > 0) {
    truncations.push_back({old_fingerprint, old_offset, t.file->path(), Clock::now()});
  }
  t.file->restart_from_beginning();
  int err = 0;
  t.file->refresh(err);  // fingerprint the new content
}

void FileSource::Impl::check_names() {
  const auto now = Clock::now();
  for (Tracked& t : files) {
    if (t.name_lost) continue;
    struct stat st;
    bool lost = false;
    if (::stat(t.file->path().c_str(), &st) == 0) {
      lost = static_cast<uint64_t>(st.st_dev) != t.file->device() ||
             static_cast<uint64_t>(st.st_ino) != t.file->inode();
    } else {
      lost = errno == ENOENT || errno == ENOTDIR;
    }
    if (lost) {
      t.name_lost = true;
      t.name_lost_at = now;
      // Still linked somewhere: renamed away (or replaced), i.e. rotated.
      if (t.file->link_count() > 0) stats.rotations.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void FileSource::Impl::scan() {
  std::vector<Candidate> candidates;
  for (const std::string& path : expand_paths(options.paths)) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (compressed.count({static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)})) {
      continue;
    }
    Tracked* known = find(static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino));
    if (known != nullptr) {
      if (known->name_lost) {
        // Renamed to another name the globs also match: same reader, same offset.
        spdlog::info("source {}: {} was renamed to {}", options.name, known->file->path(), path);
        stats.rotations.fetch_add(1, std::memory_order_relaxed);
        known->file->set_path(path);
        note_real_path(*known->file);
        known->name_lost = false;
      }
      // A closed file that changed: reopened to read what is new.
      if (!known->file->is_open() && static_cast<uint64_t>(st.st_size) != known->file->size()) {
        unpark(*known, path);
      }
      continue;
    }
    if (auto c = open_candidate(path, st)) candidates.push_back(std::move(*c));
  }
  if (!waited_this_scan) waiting_logged = false;
  waited_this_scan = false;
  // Files still on their own inode first, so that a copy of one of them cannot
  // take a restored position away from it.
  for (Candidate& c : candidates) {
    for (auto it = saved.begin(); it != saved.end(); ++it) {
      if (!same_identity(*it, c.dev, c.ino)) continue;
      if (c.size >= it->offset &&
          fingerprint_matches(c.fd, c.size, {it->fingerprint, it->fingerprint_length})) {
        adopt(c, it->offset, false, 0, "restored position");
        saved.erase(it);
      } else {
        c.reused_inode = true;
      }
      // Otherwise the inode was reused (or the file truncated) while we were
      // down; the saved position stays available to a copy of the old content.
      break;
    }
  }
  for (Candidate& c : candidates) {
    if (c.fd >= 0) place_candidate(c);
  }
  if (!scanned_once) {
    scanned_once = true;
    waiting_initial = waiting;
  }
  // Positions no file claimed; those of files waiting for a descriptor stay
  // (and are checkpointed) until their file is opened.
  if (!saved.empty()) resolve_unclaimed_positions();
  warn_if_nothing_matches();
}

// Saved positions no path matches any more: a file that still exists with
// unread bytes (the old target of a re-pointed symlink, a file renamed out of
// the globs while we were down) is read to its end and let go; a position
// that cannot be honoured is said and counted, never dropped silently.
void FileSource::Impl::resolve_unclaimed_positions() {
  std::vector<FilePosition> still_waiting;
  for (const FilePosition& p : saved) {
    if (waiting.count({p.device, p.inode})) {  // matched, waiting for a descriptor
      still_waiting.push_back(p);
      continue;
    }
    std::string why;
    locate_no_slot = false;
    std::optional<Candidate> c = locate(p, why);
    if (locate_no_slot) {
      still_waiting.push_back(p);
      continue;
    }
    if (c && c->size == p.offset) {
      close_file(c->fd);
      spdlog::info("source {}: {} is no longer matched by the paths and was read to its end",
                   options.name, c->path);
      continue;
    }
    if (c) {
      adopt(*c, p.offset, false, 0, "its saved position (no longer matched by the paths)");
      Tracked& t = files.back();
      t.name_lost = true;  // read to its end, then closed
      t.name_lost_at = Clock::now();
      spdlog::info("source {}: reading the {} unread bytes of {} to its end", options.name,
                   c->size - p.offset, c->path);
      continue;
    }
    stats.positions_dropped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("source {}: dropped the saved position in {} at offset {}: {}", options.name,
                 p.path, p.offset, why);
  }
  saved = std::move(still_waiting);
}

// The file a saved position describes, wherever its name went: at its saved
// path, or under another name in the same directory (found by inode).
std::optional<FileSource::Impl::Candidate> FileSource::Impl::locate(const FilePosition& p,
                                                                    std::string& why) {
  std::vector<std::string> names{p.path};
  const std::filesystem::path directory = std::filesystem::path(p.path).parent_path();
  if (DIR* dir = ::opendir(directory.empty() ? "." : directory.c_str())) {
    constexpr size_t kMaxEntries = 100000;  // a bounded look, even in a huge directory
    size_t seen = 0;
    while (const dirent* entry = ::readdir(dir)) {
      if (++seen > kMaxEntries) break;
      if (static_cast<uint64_t>(entry->d_ino) == p.inode) {
        names.push_back((directory / entry->d_name).string());
      }
    }
    ::closedir(dir);
  }
  why =
      "the file is gone (deleted while the exporter was down); what it held past that offset "
      "was not read";
  for (const std::string& name : names) {
    bool no_slot = false;
    const int fd = open_file(name, no_slot);
    if (no_slot) {
      locate_no_slot = true;  // not an answer: asked again on a later scan
      return std::nullopt;
    }
    if (fd < 0) continue;
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<uint64_t>(st.st_dev) != p.device ||
        static_cast<uint64_t>(st.st_ino) != p.inode) {
      close_file(fd);
      continue;
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size < p.offset || !fingerprint_matches(fd, size, {p.fingerprint, p.fingerprint_length})) {
      close_file(fd);
      why = fmt::format("{} has other content now ({} bytes: truncated, or its inode reused)", name,
                        size);
      return std::nullopt;
    }
    Candidate c;
    c.path = name;
    c.fd = fd;
    c.dev = p.device;
    c.ino = p.inode;
    c.size = size;
    return c;
  }
  return std::nullopt;
}

void FileSource::Impl::warn_if_nothing_matches() {
  // A relative path run from another directory silently counts nothing:
  // say which absolute patterns match no file, at start and then every
  // kNoMatchRewarn while it lasts.
  const auto now = Clock::now();
  if (!files.empty()) {
    no_match_since.reset();
    return;
  }
  if (no_match_since && now - *no_match_since < kNoMatchRewarn) return;
  const bool first = !no_match_since;
  no_match_since = now;
  std::string patterns;
  for (const std::string& path : options.paths) {
    std::error_code ignored;
    const std::string absolute = std::filesystem::absolute(path, ignored).string();
    patterns += (patterns.empty() ? "" : ", ") + (absolute.empty() ? path : absolute);
  }
  spdlog::warn("source {}: no file matches {}{}", options.name, patterns,
               first ? "" : " (still, after 10 minutes)");
}

std::optional<FileSource::Impl::Candidate> FileSource::Impl::open_candidate(
    const std::string& path, const struct stat& seen) {
  const FileIdentity id{static_cast<uint64_t>(seen.st_dev), static_cast<uint64_t>(seen.st_ino)};
  bool no_slot = false;
  const int fd = open_file(path, no_slot);
  if (no_slot || (fd < 0 && (errno == EMFILE || errno == ENFILE))) {
    note_waiting(id);  // said once, counted once per file, opened later
    return std::nullopt;
  }
  if (fd < 0) {
    if (open_failures.insert(path).second) {
      stats.read_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("source {}: cannot open {}: {}", options.name, path, std::strerror(errno));
    }
    return std::nullopt;
  }
  open_failures.erase(path);
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      find(static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)) != nullptr) {
    close_file(fd);  // not a file, or replaced between stat and open by one we follow
    return std::nullopt;
  }
  waiting.erase(id);
  char head[8];
  const long got = read_head(fd, sizeof head, head);
  if (const char* format = compression_of(std::string_view(head, got > 0 ? size_t(got) : 0))) {
    if (compressed.size() >= 100000) compressed.clear();  // bounded; re-said at worst
    compressed.insert({static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)});
    stats.compressed_skipped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn(
        "source {}: skipping {}: {}-compressed, not a text log (narrow the paths to "
        "leave rotated archives out)",
        options.name, path, format);
    close_file(fd);
    return std::nullopt;
  }
  Candidate c;
  c.path = path;
  c.fd = fd;
  c.dev = static_cast<uint64_t>(st.st_dev);
  c.ino = static_cast<uint64_t>(st.st_ino);
  c.size = static_cast<uint64_t>(st.st_size);
  return c;
}

void FileSource::Impl::place_candidate(Candidate& c) {
  if (find(c.dev, c.ino) != nullptr) {  // a hard link of a file adopted in this scan
    close_file(c.fd);
    c.fd = -1;
    return;
  }
  // A file we closed earlier (renamed away) that came back, same first bytes.
  for (auto it = finished.begin(); it != finished.end(); ++it) {
    if (!same_identity(*it, c.dev, c.ino)) continue;
    const FilePosition p = *it;
    finished.erase(it);
    if (c.size >= p.offset &&
        fingerprint_matches(c.fd, c.size, {p.fingerprint, p.fingerprint_length})) {
      adopt(c, p.offset, false, 0, "previous position");
      return;
    }
    break;
  }
  // Another inode holding the content of a restored position whose own inode
  // no longer has it: a copy or rename made while we were down.
  for (auto it = saved.begin(); it != saved.end(); ++it) {
    if (it->fingerprint_length == 0 || same_identity(*it, c.dev, c.ino)) continue;
    if (fingerprint_matches(c.fd, c.size, {it->fingerprint, it->fingerprint_length})) {
      const uint64_t offset = it->offset;
      saved.erase(it);
      adopt(c, offset, true, 0, "restored position of its original");
      return;
    }
  }
  // A copytruncate copy of a file we saw truncated: it holds the unread tail.
  for (auto it = truncations.begin(); it != truncations.end(); ++it) {
    if (fingerprint_matches(c.fd, c.size, it->fingerprint)) {
      const uint64_t offset = it->offset;
      spdlog::info("source {}: {} holds the rest of truncated {}", options.name, c.path, it->path);
      truncations.erase(it);
      adopt(c, offset, true, 0, "offset of the truncated original");
      return;
    }
  }
  // A copy of a file we follow: shadow it, or wait while it may still be one.
  for (Tracked& t : files) {
    if (t.shadow_of != 0 || t.name_lost || !t.file->is_open()) continue;
    const Fingerprint& fp = t.file->fingerprint();
    if (fp.length == 0) continue;
    if (c.size >= fp.length) {
      if (fingerprint_matches(c.fd, c.size, fp)) {
        adopt(c, 0, false, t.id, "copy of a followed file");
        return;
      }
      continue;
    }
    // Shorter than the fingerprint: undecided while it is a prefix of that
    // file (a copy being written, or a new file that may yet differ).
    char mine[kFingerprintMaxBytes];
    char theirs[kFingerprintMaxBytes];
    const auto len = static_cast<uint32_t>(c.size);
    if (read_head(c.fd, len, mine) == static_cast<long>(len) &&
        read_head(t.file->fd(), len, theirs) == static_cast<long>(len) &&
        std::memcmp(mine, theirs, len) == 0) {
      close_file(c.fd);
      c.fd = -1;
      return;
    }
  }
  if (c.reused_inode) {
    // Written since the checkpoint, so never seen: all of it is new.
    adopt(c, 0, false, 0, "the beginning (inode reused since the checkpoint)");
  } else if ((!scanned_once || waiting_initial.erase({c.dev, c.ino}) > 0) && !restored &&
             !options.start_at_beginning) {
    adopt(c, tail_start_offset(c.fd, c.size, options.max_line_bytes), false, 0,
          "its end (start_at: end)");
  } else {
    adopt(c, 0, false, 0, scanned_once ? "the beginning (new file)" : "the beginning");
  }
}

void FileSource::Impl::adopt(Candidate& c, uint64_t offset, bool may_be_short, uint64_t shadow_of,
                             const char* how) {
  Tracked t;
  t.id = next_id++;
  t.file = std::make_unique<FileFollower>(c.fd, c.path, c.dev, c.ino, options.max_line_bytes,
                                          options.read_block);
  c.fd = -1;  // owned by the follower now
  note_real_path(*t.file);
  int err = 0;
  t.file->refresh(err);
  t.file->start_at(offset, may_be_short);
  t.shadow_of = shadow_of;
  t.fresh = shadow_of == 0;
  if (shadow_of != 0) {
    spdlog::info("source {}: {} is a copy of {}; its lines are read once, from the original",
                 options.name, c.path, find_id(shadow_of)->file->path());
  } else {
    spdlog::info("source {}: following {} from {}, offset {}", options.name, c.path, how, offset);
  }
  files.push_back(std::move(t));
}

void FileSource::Impl::release_shadows_of(const Tracked& original, uint64_t offset) {
  for (Tracked& s : files) {
    if (s.shadow_of != original.id) continue;
    s.shadow_of = 0;
    s.file->start_at(offset, true);
    s.fresh = true;
    spdlog::info("source {}: continuing {} in its copy {} at offset {}", options.name,
                 original.file->path(), s.file->path(), offset);
  }
}

void FileSource::Impl::close_lost_names(uint64_t& total, uint64_t budget) {
  for (size_t i = 0; i < files.size();) {
    Tracked& t = files[i];
    if (!t.name_lost) {
      ++i;
      continue;
    }
    if (!t.file->is_open()) {
      // Closed while fully read; its name moved away. If the writer added to
      // it since (found again by inode in its directory), read that first.
      std::string why;
      std::optional<Candidate> c = locate(t.file->position(), why);
      if (c && c->size > t.file->consumed_offset()) {
        t.file->reopen(c->fd);
        ++i;  // read to its end like any renamed file, on the next polls
        continue;
      }
      if (c) close_file(c->fd);
      finished.push_back(t.file->position());
      if (finished.size() > kMaxFinished) finished.pop_front();
      files.erase(files.begin() + static_cast<std::ptrdiff_t>(i));
      park_queue_built = false;  // indexes moved
      continue;
    }
    if (t.shadow_of == 0) {
      // Read the old file to its very end before letting it go.
      refresh_and_read(t, total, budget);
      if (t.file->read_offset() < t.file->size()) {
        ++i;  // budget spent: finish on a later poll
        continue;
      }
      if (Clock::now() - std::max(t.name_lost_at, t.last_data) < options.rotate_grace) {
        ++i;  // the writer may not have reopened its log yet
        continue;
      }
      release_shadows_of(t, t.file->consumed_offset());
    }
    if (t.file->link_count() > 0) {
      spdlog::info("source {}: {} was rotated away; read to its end at offset {}", options.name,
                   t.file->path(), t.file->consumed_offset());
      if (t.shadow_of == 0) {
        finished.push_back(t.file->position());
        if (finished.size() > kMaxFinished) finished.pop_front();
      }
    } else {
      spdlog::info("source {}: {} was deleted; read to its end at offset {}", options.name,
                   t.file->path(), t.file->consumed_offset());
    }
    release_slot();
    files.erase(files.begin() + static_cast<std::ptrdiff_t>(i));
    park_queue_built = false;  // indexes moved
  }
}

void FileSource::Impl::check_shadow_divergence() {
  for (Tracked& s : files) {
    if (s.shadow_of == 0 || !s.file->is_open()) continue;
    Tracked* original = find_id(s.shadow_of);
    if (original == nullptr) {  // cannot happen: closing releases shadows
      s.shadow_of = 0;
      s.file->start_at(0, false);
      s.fresh = true;
      continue;
    }
    int err = 0;
    const FileFollower::Refresh r = s.file->refresh(err);
    if (r == FileFollower::Refresh::error) continue;
    if (r == FileFollower::Refresh::truncated) {
      // Its first bytes changed: a file of its own now.
      s.shadow_of = 0;
      s.file->restart_from_beginning();
      s.file->refresh(err);
      s.fresh = true;
      continue;
    }
    if (s.file->size() > original->file->size()) {
      // Grew past the original: no longer a mere copy of it.
      s.shadow_of = 0;
      s.file->start_at(original->file->consumed_offset(), true);
      s.fresh = true;
      spdlog::info("source {}: {} diverged from {}; reading it from offset {}", options.name,
                   s.file->path(), original->file->path(), original->file->consumed_offset());
    }
  }
}

void FileSource::Impl::housekeeping() {
  const auto now = Clock::now();
  std::erase_if(truncations,
                [&](const TruncationRecord& r) { return now - r.when > kTruncationMemory; });
  const auto shadowed = shadowed_ids();
  for (Tracked& t : files) {
    if (now - t.last_data > kBufferIdle) t.file->release_buffer_if_idle();
    if (t.file->is_open() && now - t.last_data > options.idle_close && parkable(t, shadowed)) {
      park(t);
    }
  }
  stats.files_followed.store(files.size(), std::memory_order_relaxed);
  stats.files_open.store(open_count, std::memory_order_relaxed);
}

bool FileSource::Impl::acquire_slot() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (open_count < options.max_open_files && budget.try_acquire()) {
      ++open_count;
      return true;
    }
    if (attempt == 0 && !park_one()) return false;
  }
  return false;
}

int FileSource::Impl::open_file(const std::string& path, bool& no_slot) {
  no_slot = !acquire_slot();
  if (no_slot) return -1;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int saved_errno = errno;
    release_slot();
    if (saved_errno == EMFILE || saved_errno == ENFILE) {
      stats.fd_exhausted.fetch_add(1, std::memory_order_relaxed);
      if (!exhausted_logged) {
        spdlog::error(
            "source {}: the process is out of file descriptors ({}); files wait until "
            "descriptors are free (raise LimitNOFILE / ulimit -n)",
            options.name, std::strerror(saved_errno));
        exhausted_logged = true;
      }
    }
    errno = saved_errno;
    return -1;
  }
  exhausted_logged = false;
  return fd;
}

// Closes the least recently active file that is fully read, to make room.
bool FileSource::Impl::park_one() {
  if (!park_queue_built) {
    park_queue_built = true;
    park_queue.clear();
    const auto shadowed = shadowed_ids();
    for (size_t i = 0; i < files.size(); ++i) {
      if (parkable(files[i], shadowed)) park_queue.push_back(i);
    }
    std::sort(park_queue.begin(), park_queue.end(),
              [&](size_t a, size_t b) { return files[a].last_data > files[b].last_data; });
  }
  while (!park_queue.empty()) {
    const size_t index = park_queue.back();
    park_queue.pop_back();
    if (index >= files.size()) continue;
    Tracked& t = files[index];
    // Still parkable? (read or shadowed since the queue was built)
    if (!t.file->is_open() || t.fresh || !t.file->fully_consumed() || t.name_lost) continue;
    park(t);
    return true;
  }
  return false;
}

void FileSource::Impl::park(Tracked& t) {
  t.file->close_file();
  release_slot();
}

bool FileSource::Impl::unpark(Tracked& t, const std::string& path) {
  bool no_slot = false;
  const int fd = open_file(path, no_slot);
  if (fd < 0) {
    if (no_slot) note_waiting({t.file->device(), t.file->inode()});
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_dev) != t.file->device() ||
      static_cast<uint64_t>(st.st_ino) != t.file->inode()) {
    close_file(fd);  // replaced between stat and open: the next scan sees the new one
    return false;
  }
  waiting.erase({t.file->device(), t.file->inode()});
  t.file->reopen(fd);
  t.fresh = true;
  return true;
}

void FileSource::Impl::note_waiting(const FileIdentity& id) {
  waited_this_scan = true;
  if (waiting.size() >= 100000) waiting.clear();  // bounded: identities of deleted files
  if (waiting.insert(id).second) stats.files_waiting.fetch_add(1, std::memory_order_relaxed);
  if (!waiting_logged) {
    spdlog::warn(
        "source {}: more files match than may be open at once (max_open_files {}, {} of "
        "the process's descriptors for files, {} in use); fully read files are closed "
        "to make room, the rest wait their turn",
        options.name, options.max_open_files, budget.limit(), budget.in_use());
    waiting_logged = true;
  }
}

uint64_t FileSource::Impl::poll(uint64_t max_bytes) {
  uint64_t total = 0;
  park_queue_built = false;
  // (a)+(b): known files, from a rotating start so one backlog cannot starve the rest.
  if (!files.empty()) {
    const size_t n = files.size();
    const size_t first = round_robin++ % n;
    for (size_t k = 0; k < n; ++k) refresh_and_read(files[(first + k) % n], total, max_bytes);
  }
  // (c) names that moved away, (d) new files.
  check_names();
  scan();
  check_shadow_divergence();
  for (Tracked& t : files) {
    if (!t.fresh) continue;
    t.fresh = false;
    refresh_and_read(t, total, max_bytes);
  }
  close_lost_names(total, max_bytes);
  housekeeping();
  stats.bytes_read.fetch_add(total, std::memory_order_relaxed);
  return total;
}

FileSource::FileSource(FileSourceOptions options, LineSink& sink, FileSourceStats& stats)
    : impl_(std::make_unique<Impl>(std::move(options), sink, stats)) {}

FileSource::FileSource(FileSourceOptions options, LineSink& sink)
    : owned_stats_(std::make_unique<FileSourceStats>()),
      impl_(std::make_unique<Impl>(std::move(options), sink, *owned_stats_)) {}

FileSource::~FileSource() = default;

const std::string& FileSource::name() const { return impl_->options.name; }

void FileSource::attach(LineSink& sink) { impl_->sink = &sink; }

std::string FileSource::identity_of(const std::vector<std::string>& paths) {
  std::string identity = "file";
  for (const auto& path : paths) identity += "\n" + path;
  return identity;
}

SourceState FileSource::state() const {
  SourceState state;
  state.identity = identity_of(impl_->options.paths);
  state.positions = positions();
  return state;
}

void FileSource::collect(std::vector<prometheus::MetricFamily>& out) const {
  using prometheus::MetricType;
  const FileSourceStats& s = impl_->stats;
  auto add = [&](std::string name, std::string help, MetricType type, uint64_t value) {
    prometheus::MetricFamily family{
        "stream_disconnect_exporter_" + std::move(name), std::move(help), type, {}};
    prometheus::ClientMetric metric;
    metric.label = {{"source", impl_->options.name}};
    if (type == MetricType::Counter) {
      metric.counter.value = static_cast<double>(value);
    } else {
      metric.gauge.value = static_cast<double>(value);
    }
    family.metric.push_back(std::move(metric));
    out.push_back(std::move(family));
  };
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  add("bytes_read_total", "Bytes read from files.", MetricType::Counter, load(s.bytes_read));
  add("files_followed", "Files currently followed.", MetricType::Gauge, load(s.files_followed));
  add("file_rotations_total", "Followed names that came to point at a new file.",
      MetricType::Counter, load(s.rotations));
  add("file_truncations_total", "Followed files that shrank.", MetricType::Counter,
      load(s.truncations));
  add("file_read_errors_total", "Errors opening or reading files.", MetricType::Counter,
      load(s.read_errors));
  add("file_positions_dropped_total",
      "Saved file positions that matched no file at start and were dropped.", MetricType::Counter,
      load(s.positions_dropped));
  add("files_open", "Followed files holding a file descriptor now.", MetricType::Gauge,
      load(s.files_open));
  add("files_waiting_total",
      "Matched files that had to wait for a file descriptor (max_open_files or the process "
      "limit).",
      MetricType::Counter, load(s.files_waiting));
  add("file_descriptors_exhausted_total",
      "Opens that failed because the process ran out of file descriptors.", MetricType::Counter,
      load(s.fd_exhausted));
  add("compressed_files_skipped_total",
      "Files matched by the paths but compressed (gzip, bzip2, xz, zstd): skipped, not parsed.",
      MetricType::Counter, load(s.compressed_skipped));
}

void FileSource::restore(const std::vector<FilePosition>& positions) {
  if (impl_->scanned_once) return;
  impl_->saved = positions;
  impl_->restored = true;
}

uint64_t FileSource::poll(uint64_t max_bytes) { return impl_->poll(max_bytes); }

std::vector<FilePosition> FileSource::positions() const {
  std::vector<FilePosition> out;
  for (const Tracked& t : impl_->files) {
    // A shadowed copy has no position of its own: after a restart it is
    // recognised again from its fingerprint.
    if (t.shadow_of == 0) out.push_back(t.file->position());
  }
  out.insert(out.end(), impl_->finished.begin(), impl_->finished.end());
  // Restored positions of files still waiting for a descriptor.
  if (impl_->scanned_once) out.insert(out.end(), impl_->saved.begin(), impl_->saved.end());
  return out;
}

std::vector<std::string> FileSource::watch_directories() const {
  return parent_directories(impl_->options.paths);
}

}  // namespace sdx
