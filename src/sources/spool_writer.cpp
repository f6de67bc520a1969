#include "sources/spool_writer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

namespace sdx {
namespace {

constexpr std::string_view kPrefix = "spool-";
constexpr std::string_view kSuffix = ".log";

// Makes a new directory entry durable.
void sync_directory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

SpoolWriter::SpoolWriter(SpoolOptions options, SyncObserver on_sync)
    : options_(std::move(options)), on_sync_(std::move(on_sync)) {}

SpoolWriter::~SpoolWriter() { stop(); }

std::string SpoolWriter::pattern(const std::string& directory) {
  return directory + "/" + std::string(kPrefix) + "*" + std::string(kSuffix);
}

std::string SpoolWriter::current_file() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool SpoolWriter::start(std::string& error) {
  std::lock_guard lock(mutex_);
  if (running_) return true;
  std::error_code ec;
  std::filesystem::create_directories(options_.directory, ec);
  if (ec) {
    error = "cannot create spool directory " + options_.directory + ": " + ec.message();
    return false;
  }
  ::chmod(options_.directory.c_str(), 0700);
  // Continue after the highest sequence present: names sort in write order.
  for (const auto& entry : std::filesystem::directory_iterator(options_.directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) continue;
    uint64_t sequence = 0;
    const char* first = name.data() + kPrefix.size();
    const char* last = name.data() + name.size() - kSuffix.size();
    if (std::from_chars(first, last, sequence).ptr == last && sequence >= next_sequence_) {
      next_sequence_ = sequence + 1;
    }
  }
  if (!open_next_file(error)) return false;
  stopping_ = false;
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return true;
}

// Called with mutex_ held or from the writer thread while start() is done.
bool SpoolWriter::open_next_file(std::string& error) {
  char name[64];
  std::snprintf(name, sizeof name, "%s%020llu%s", std::string(kPrefix).c_str(),
                static_cast<unsigned long long>(next_sequence_++), std::string(kSuffix).c_str());
  const std::string path = options_.directory + "/" + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot create spool file " + path + ": " + std::strerror(errno);
    return false;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const std::string header = "# stream_disconnect_exporter webhook spool " + std::string(name) +
                             " pid " + std::to_string(::getpid()) + " started " +
                             std::to_string(std::chrono::nanoseconds(now).count()) + "\n";
  if (::write(fd, header.data(), header.size()) != static_cast<ssize_t>(header.size()) ||
      (options_.fsync && ::fdatasync(fd) != 0)) {
    error = "cannot write spool file " + path + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  if (options_.fsync) sync_directory(options_.directory);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  size_ = header.size();
  current_ = path;
  return true;
}

bool SpoolWriter::append(std::string line, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!running_ || stopping_) return false;
    pending_.push_back({std::move(line), std::move(done)});
  }
  wake_.notify_one();
  return true;
}

bool SpoolWriter::write_batch(const std::string& bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  size_ += written;
  if (!options_.fsync) return true;
  const auto started = std::chrono::steady_clock::now();
  const bool synced = ::fdatasync(fd_) == 0;
  if (on_sync_) {
    on_sync_(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return synced;
}

void SpoolWriter::run() {
  std::vector<Pending> batch;
  std::string bytes;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !pending_.empty() || stopping_; });
      if (pending_.empty()) return;  // stopping, nothing left
      batch.swap(pending_);
    }
    bytes.clear();
    for (const Pending& item : batch) {
      bytes += item.line;
      bytes += '\n';
    }
    bool ok = true;
    if (size_ >= options_.max_file_bytes || torn_) {
      std::string error;
      std::lock_guard lock(mutex_);
      if (open_next_file(error)) {
        torn_ = false;
      } else {
        spdlog::error("webhook spool: {}", error);
      }
    }
    if (torn_) {
      // Never after a torn line: it would join the next one.
      ok = false;
    } else if (!write_batch(bytes)) {
      ok = false;
      torn_ = true;
      spdlog::error("webhook spool: cannot write {}: {}; {} callbacks answered 500", current_file(),
                    std::strerror(errno), batch.size());
      // A torn line is left without its newline (never read as a line):
      // later batches go to a new file.
    }
    for (Pending& item : batch) item.done(ok);
    batch.clear();
  }
}

void SpoolWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  running_ = false;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace sdx
