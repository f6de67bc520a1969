#include "sources/state_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <simdjson.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <utility>

#include "sources/fingerprint.h"

// Format: one line of JSON (the body), then "checksum fnv1a64:<16 hex>\n"
// hashing the body bytes (without its newline).
//
// Strings (paths, source names, counter keys) are arbitrary bytes. Valid UTF-8
// is written as a JSON string; anything else as {"hex":"<lowercase hex of the
// bytes>"} so every byte survives the round trip exactly.

namespace sdx {
namespace {

constexpr std::string_view kChecksumPrefix = "checksum fnv1a64:";
constexpr uint64_t kMaxStateBytes = uint64_t{256} << 20;
constexpr char kHex[] = "0123456789abcdef";

void append_hex64(std::string& out, uint64_t v) {
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(v >> shift) & 0xf]);
}

void append_string(std::string& out, std::string_view s) {
  if (!simdjson::validate_utf8(s.data(), s.size())) {
    out += "{\"hex\":\"";
    for (unsigned char c : s) {
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
    out += "\"}";
    return;
  }
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

std::string render_body(const Checkpoint& cp) {
  std::string out;
  out += "{\"version\":1,\"written_at\":";
  out += std::to_string(cp.written_at);
  out += ",\"positions\":{";
  auto append_key = [&out](const std::string& source) {
    // Object keys must be JSON strings: a non-UTF-8 source name is hex-encoded
    // behind a "hex:" marker, and a literal name starting with it gets one too.
    if (simdjson::validate_utf8(source.data(), source.size()) && !source.starts_with("hex:")) {
      append_string(out, source);
    } else {
      std::string encoded = "hex:";
      for (unsigned char c : source) {
        encoded.push_back(kHex[c >> 4]);
        encoded.push_back(kHex[c & 0xf]);
      }
      append_string(out, encoded);
    }
  };
  bool first_source = true;
  for (const auto& [source, state] : cp.sources) {
    const auto& positions = state.positions;
    if (!first_source) out.push_back(',');
    first_source = false;
    append_key(source);
    out += ":[";
    bool first = true;
    for (const FilePosition& p : positions) {
      if (!first) out.push_back(',');
      first = false;
      out += "{\"path\":";
      append_string(out, p.path);
      out += ",\"device\":" + std::to_string(p.device);
      out += ",\"inode\":" + std::to_string(p.inode);
      out += ",\"offset\":" + std::to_string(p.offset);
      out += ",\"fingerprint\":\"";
      append_hex64(out, p.fingerprint);
      out += "\",\"fingerprint_length\":" + std::to_string(p.fingerprint_length) + "}";
    }
    out.push_back(']');
  }
  // Identity and cursor: optional, so a state file of the first format reads.
  out += "},\"source_state\":{";
  first_source = true;
  for (const auto& [source, state] : cp.sources) {
    if (!first_source) out.push_back(',');
    first_source = false;
    append_key(source);
    out += ":{\"identity\":";
    append_string(out, state.identity);
    out += ",\"cursor\":";
    append_string(out, state.cursor);
    out.push_back('}');
  }
  out += "},\"counters\":[";
  bool first = true;
  for (const auto& [key, value] : cp.counters) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('[');
    append_string(out, key);
    out += "," + std::to_string(value) + "]";
  }
  out += "]}";
  return out;
}

std::string errno_text(const std::string& what, const std::string& path, int err) {
  return what + " " + path + ": " + std::strerror(err);
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string directory_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

bool parse_hex64(std::string_view hex, uint64_t& out) {
  if (hex.size() != 16) return false;
  out = 0;
  for (char c : hex) {
    int v = hex_value(c);
    if (v < 0) return false;
    out = out << 4 | static_cast<uint64_t>(v);
  }
  return true;
}

// A string written by append_string: a JSON string or {"hex": "..."}.
bool read_string(simdjson::simdjson_result<simdjson::dom::element> found, std::string& out) {
  simdjson::dom::element e;
  if (found.get(e) != simdjson::SUCCESS) return false;
  std::string_view sv;
  if (e.get_string().get(sv) == simdjson::SUCCESS) {
    out.assign(sv);
    return true;
  }
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS || obj.size() != 1) return false;
  if (obj["hex"].get_string().get(sv) != simdjson::SUCCESS) return false;
  return decode_hex(sv, out);
}

bool read_uint(simdjson::dom::object obj, const char* key, uint64_t& out) {
  return obj[key].get_uint64().get(out) == simdjson::SUCCESS;
}

CheckpointLoad corrupt(std::string message) {
  CheckpointLoad r;
  r.status = CheckpointLoad::Status::corrupt;
  r.message = std::move(message);
  return r;
}

CheckpointLoad unreadable(std::string message) {
  CheckpointLoad r;
  r.status = CheckpointLoad::Status::unreadable;
  r.message = std::move(message);
  return r;
}

CheckpointLoad parse_checkpoint(const std::string& path, const std::string& data) {
  const size_t nl = data.find('\n');
  if (nl == std::string::npos) return corrupt(path + ": truncated (no checksum line)");
  const std::string_view body(data.data(), nl);
  std::string_view trailer(data.data() + nl + 1, data.size() - nl - 1);
  if (trailer.ends_with('\n')) trailer.remove_suffix(1);
  uint64_t expected = 0;
  if (!trailer.starts_with(kChecksumPrefix) ||
      !parse_hex64(trailer.substr(kChecksumPrefix.size()), expected)) {
    return corrupt(path + ": truncated or malformed checksum line");
  }
  if (fnv1a64(body) != expected) return corrupt(path + ": checksum mismatch");

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string padded(body);
  if (auto err = parser.parse(padded).get(root)) {
    return corrupt(path + ": invalid JSON: " + simdjson::error_message(err));
  }
  simdjson::dom::object top;
  if (root.get_object().get(top)) return corrupt(path + ": body is not a JSON object");
  uint64_t version = 0;
  if (!read_uint(top, "version", version) || version != 1) {
    return corrupt(path + ": missing or unsupported version");
  }
  CheckpointLoad r;
  r.status = CheckpointLoad::Status::ok;
  if (top["written_at"].get_int64().get(r.checkpoint.written_at)) {
    return corrupt(path + ": written_at is not an integer");
  }
  simdjson::dom::object sources;
  if (top["positions"].get_object().get(sources)) {
    return corrupt(path + ": positions is not an object");
  }
  auto source_key = [](std::string_view key, std::string& source) {
    source.assign(key);
    return !key.starts_with("hex:") || decode_hex(key.substr(4), source);
  };
  for (auto field : sources) {
    std::string source;
    if (!source_key(field.key, source)) return corrupt(path + ": bad hex-encoded source name");
    simdjson::dom::array list;
    if (field.value.get_array().get(list)) {
      return corrupt(path + ": positions of a source are not an array");
    }
    std::vector<FilePosition>& out = r.checkpoint.sources[source].positions;
    for (simdjson::dom::element item : list) {
      simdjson::dom::object obj;
      FilePosition p;
      uint64_t fp_length = 0;
      std::string_view fp_hex;
      if (item.get_object().get(obj) || !read_string(obj["path"], p.path) ||
          !read_uint(obj, "device", p.device) || !read_uint(obj, "inode", p.inode) ||
          !read_uint(obj, "offset", p.offset) || obj["fingerprint"].get_string().get(fp_hex) ||
          !parse_hex64(fp_hex, p.fingerprint) || !read_uint(obj, "fingerprint_length", fp_length) ||
          fp_length > kFingerprintMaxBytes) {
        return corrupt(path + ": malformed file position");
      }
      p.fingerprint_length = static_cast<uint32_t>(fp_length);
      out.push_back(std::move(p));
    }
  }
  simdjson::dom::object states;
  if (top["source_state"].get_object().get(states) == simdjson::SUCCESS) {
    for (auto field : states) {
      std::string source;
      simdjson::dom::object obj;
      if (!source_key(field.key, source)) return corrupt(path + ": bad hex-encoded source name");
      SourceState& state = r.checkpoint.sources[source];
      if (field.value.get_object().get(obj) || !read_string(obj["identity"], state.identity) ||
          !read_string(obj["cursor"], state.cursor)) {
        return corrupt(path + ": malformed source state");
      }
    }
  }
  simdjson::dom::array counters;
  if (top["counters"].get_array().get(counters)) {
    return corrupt(path + ": counters is not an array");
  }
  for (simdjson::dom::element item : counters) {
    simdjson::dom::array pair;
    std::string key;
    uint64_t value = 0;
    if (item.get_array().get(pair) || pair.size() != 2 || !read_string(pair.at(0), key) ||
        pair.at(1).get_uint64().get(value)) {
      return corrupt(path + ": malformed counter entry");
    }
    r.checkpoint.counters.emplace_back(std::move(key), value);
  }
  return r;
}

}  // namespace

bool save_checkpoint(const std::string& path, const Checkpoint& checkpoint, std::string& error) {
  try {
    const std::string body = render_body(checkpoint);
    std::string data = body;
    data += '\n';
    data += kChecksumPrefix;
    append_hex64(data, fnv1a64(body));
    data += '\n';

    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      error = errno_text("create", tmp, errno);
      return false;
    }
    if (!write_all(fd, data) || ::fsync(fd) != 0) {
      error = errno_text("write", tmp, errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    if (::close(fd) != 0) {
      error = errno_text("close", tmp, errno);
      ::unlink(tmp.c_str());
      return false;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      error = errno_text("rename to", path, errno);
      ::unlink(tmp.c_str());
      return false;
    }
    // Make the rename itself durable.
    const std::string dir = directory_of(path);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
      error = errno_text("open directory", dir, errno);
      return false;
    }
    const bool synced = ::fsync(dfd) == 0;
    const int sync_errno = errno;
    ::close(dfd);
    if (!synced) {
      error = errno_text("fsync directory", dir, sync_errno);
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    error = std::string("saving checkpoint ") + path + ": " + e.what();
    return false;
  }
}

CheckpointLoad load_checkpoint(const std::string& path) {
  try {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      // ENOTDIR: a path component is a file, so no state file can be there.
      if (errno == ENOENT || errno == ENOTDIR) {
        CheckpointLoad r;
        r.status = CheckpointLoad::Status::missing;
        return r;
      }
      return unreadable(errno_text("open", path, errno));
    }
    std::string data;
    char buf[64 * 1024];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return unreadable(errno_text("read", path, err));
      }
      if (n == 0) break;
      data.append(buf, static_cast<size_t>(n));
      if (data.size() > kMaxStateBytes) {
        ::close(fd);
        return corrupt(path + ": larger than 256 MiB");
      }
    }
    ::close(fd);
    return parse_checkpoint(path, data);
  } catch (const std::exception& e) {
    // bad_alloc and the like say nothing about the file's bytes.
    return unreadable(path + ": " + e.what());
  }
}

std::string move_corrupt_checkpoint_aside(const std::string& path) {
  try {
    std::string target =
        path + ".corrupt-" + std::to_string(static_cast<long long>(std::time(nullptr)));
    if (::rename(path.c_str(), target.c_str()) != 0) return "";
    return target;
  } catch (const std::exception&) {
    return "";
  }
}

std::string state_lock_path(const std::string& state_path) { return state_path + ".lock"; }

StateFileLock::~StateFileLock() { release(); }

StateFileLock::StateFileLock(StateFileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

StateFileLock& StateFileLock::operator=(StateFileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void StateFileLock::release() {
  // Closing the last descriptor of the open file releases the flock.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

StateFileLock::Result StateFileLock::acquire(const std::string& state_path, std::string& message) {
  try {
    release();
    const std::string lock_path = state_lock_path(state_path);
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(state_path).parent_path(), ignored);
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      message = errno_text("cannot create lock file", lock_path, errno);
      return Result::failed;
    }
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      const int err = errno;
      if (err != EWOULDBLOCK) {
        ::close(fd);
        message = errno_text("cannot lock", lock_path, err);
        return Result::failed;
      }
      // The holder writes its pid right after locking: read what is there.
      char buf[32] = {};
      const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      ::close(fd);
      std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      const bool numeric = !pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos;
      message = "state file " + state_path + " is in use by another exporter (" +
                (numeric ? "pid " + pid : std::string("pid unknown")) + ", lock " + lock_path +
                " held)";
      return Result::held_elsewhere;
    }
    fd_ = fd;
    const std::string pid = std::to_string(::getpid()) + "\n";
    // Best effort: the pid only improves another instance's message.
    if (::ftruncate(fd_, 0) == 0) {
      [[maybe_unused]] ssize_t written = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
    return Result::locked;
  } catch (const std::exception& e) {
    message = std::string("locking state file ") + state_path + ": " + e.what();
    return Result::failed;
  }
}

}  // namespace sdx
