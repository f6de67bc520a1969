#include "sources/webhook_source.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace sdx {
namespace {

constexpr std::string_view kCursorHeader = "webhook-dedup v1\n";
constexpr auto kRetentionCheckEvery = std::chrono::seconds(1);

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Received time (unix seconds.millis) and client address before the body:
// the spool doubles as an audit log.
std::string spool_line(const HttpRequest& request) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const long long millis = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%lld.%03lld ", millis / 1000, millis % 1000);
  std::string line = stamp;
  line += request.remote_address.empty() ? "-" : request.remote_address;
  line += ' ';
  line += one_line(request.body);
  return line;
}

// Whether nothing is left to read in a spool file the writer is done with:
// read to its end, or only a torn last line (no newline) is left.
bool fully_read(const std::string& path, uint64_t offset) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  const auto size = static_cast<uint64_t>(st.st_size);
  if (offset >= size) return true;
  if (size - offset > (uint64_t{1} << 20)) return false;
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string tail(size - offset, '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return in.gcount() == static_cast<std::streamsize>(tail.size()) &&
         tail.find('\n') == std::string::npos;
}

}  // namespace

// Between the spool reader and the event pipeline: skips file headers,
// strips the audit prefix, and drops callbacks already counted.
class WebhookSource::Filter final : public LineSink {
 public:
  Filter(WebhookSource& owner, std::chrono::seconds window, size_t max_keys)
      : owner_(owner), dedup_(window, max_keys) {}

  void on_line(std::string_view line) override {
    if (line.empty() || line.front() == '#') return;
    const size_t time_end = line.find(' ');
    const size_t client_end =
        time_end == std::string_view::npos ? time_end : line.find(' ', time_end + 1);
    if (client_end == std::string_view::npos) {
      owner_.sink_->on_line(line);  // not a spool line: a parse error downstream
      return;
    }
    int64_t received = 0;
    std::from_chars(line.data(), line.data() + time_end, received);
    const std::string_view body = line.substr(client_end + 1);
    if (std::optional<uint64_t> key = keyer_.key(body)) {
      const bool fresh = dedup_.insert(*key, received);
      publish();
      if (!fresh) {
        owner_.stats_.duplicates.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    owner_.sink_->on_line(body);
  }
  void on_oversized_line() override { owner_.sink_->on_oversized_line(); }

  void publish() {
    owner_.stats_.dedup_keys.store(dedup_.size(), std::memory_order_relaxed);
    owner_.stats_.dedup_evictions.store(dedup_.evictions(), std::memory_order_relaxed);
  }
  WebhookDedup& dedup() { return dedup_; }
  const WebhookDedup& dedup() const { return dedup_; }

 private:
  WebhookSource& owner_;
  DedupKeyer keyer_;
  WebhookDedup dedup_;
};

WebhookSource::WebhookSource(WebhookOptions options, LineSink& sink)
    : options_(std::move(options)), sink_(&sink), stats_(options_.name) {
  filter_ = std::make_unique<Filter>(*this, options_.dedup_window, options_.dedup_max_keys);
  if (options_.listen_enabled) {
    std::error_code ec;
    std::filesystem::create_directories(options_.spool_dir, ec);
    ::chmod(options_.spool_dir.c_str(), 0700);
  }
  FileSourceOptions reader;
  reader.name = options_.name;
  reader.paths = {SpoolWriter::pattern(options_.spool_dir)};
  reader.start_at_beginning = true;  // every spool file is read whole
  // The audit prefix comes on top of a body of at most max_body_bytes.
  reader.max_line_bytes = std::max(options_.max_line_bytes, options_.max_body_bytes + 256);
  spool_reader_ = std::make_unique<FileSource>(std::move(reader), *filter_);
}

WebhookSource::~WebhookSource() { stop(); }

std::string WebhookSource::identity_of(const std::string& listen, const std::string& path) {
  return "webhook " + listen + path;
}

int WebhookSource::port() const { return server_ && listening_ ? server_->port() : 0; }

bool WebhookSource::launch(std::string& error) {
  SpoolOptions spool;
  spool.directory = options_.spool_dir;
  spool.max_file_bytes = options_.spool_max_bytes;
  spool.fsync = options_.fsync;
  writer_ = std::make_unique<SpoolWriter>(
      spool, [this](double seconds) { stats_.fsync_duration.Observe(seconds); });
  if (!writer_->start(error)) return false;

  HttpServerLimits limits;
  limits.max_connections = options_.max_connections;
  limits.max_connections_per_ip = options_.max_connections;
  server_ = std::make_unique<HttpServer>(options_.listen, options_.max_body_bytes, limits);
  server_->route_async(options_.path, [this](HttpRequest&& request, HttpReply reply) {
    handle(std::move(request), std::move(reply));
  });
  server_->set_fallback([this](const HttpRequest& request) {
    return refuse(WebhookRejection::bad_path, request, "no webhook at " + request.path);
  });
  server_->set_too_large([this](const HttpRequest& request) {
    return refuse(WebhookRejection::too_large, request,
                  "body over " + std::to_string(options_.max_body_bytes) + " bytes");
  });
  if (options_.tls) server_->set_tls(*options_.tls);
  {
    std::lock_guard lock(server_metrics_mutex_);
    server_metrics_ = server_->collectable();
  }
  accepting_.store(true);
  if (!server_->start(error)) {
    accepting_.store(false);
    writer_->stop();
    return false;
  }
  listening_ = true;
  spdlog::info("source={} webhook listening on {}{} ({}), spool {}", options_.name, options_.listen,
               options_.path, options_.tls ? "https" : "http", options_.spool_dir);
  if (options_.rules.sign_key.empty() && !warned_unauthenticated_) {
    warned_unauthenticated_ = true;
    spdlog::warn(
        "source={} has no sign_key or sign_key_file: callbacks are unauthenticated, anyone who "
        "can reach {} can add to the counters",
        options_.name, options_.listen);
  }
  return true;
}

void WebhookSource::start() {
  if (!options_.listen_enabled || listening_) return;
  std::string error;
  if (!launch(error)) spdlog::error("source={}: {} (retrying)", options_.name, error);
}

void WebhookSource::stop() {
  accepting_.store(false);
  if (writer_) writer_->stop();  // commits and answers what is pending
  if (server_) server_->stop();
  listening_ = false;
}

HttpResponse WebhookSource::refuse(WebhookRejection reason, const HttpRequest& request,
                                   const std::string& detail) {
  const int status = rejection_status(reason);
  stats_.count_rejection(reason);
  stats_.count_request(status, -1);
  {
    std::lock_guard lock(log_mutex_);
    log_.warn("source=" + options_.name + " webhook refused a request (" +
              std::string(rejection_name(reason)) + ") from " + request.remote_address + ": " +
              detail + (request.body.empty() ? "" : "; body: " + log_excerpt(request.body)));
  }
  HttpResponse response(status, "text/plain; charset=utf-8",
                        std::string(rejection_name(reason)) + "\n");
  if (reason == WebhookRejection::bad_method) response.headers.emplace_back("Allow", "POST");
  return response;
}

void WebhookSource::handle(HttpRequest&& request, HttpReply reply) {
  const auto started = std::chrono::steady_clock::now();
  auto answer = [this, started](const HttpReply& send, HttpResponse response) {
    stats_.count_request(response.status, seconds_since(started));
    send(std::move(response));
  };
  if (!accepting_.load()) {
    answer(reply, {503, "text/plain; charset=utf-8", "shutting down\n"});
    return;
  }
  if (request.method != "POST") {
    HttpResponse response = refuse(WebhookRejection::bad_method, request, request.method);
    reply(std::move(response));
    return;
  }
  const WebhookVerdict verdict = check_webhook_body(options_.rules, request.body, unix_now());
  switch (verdict.action) {
    case WebhookVerdict::Action::reject:
      reply(refuse(verdict.rejection, request, verdict.detail));
      return;
    case WebhookVerdict::Action::ignore:
      stats_.ignored[verdict.ignored_index].fetch_add(1, std::memory_order_relaxed);
      answer(reply, {200, "application/json", "{\"code\":0}"});
      return;
    case WebhookVerdict::Action::spool:
      break;
  }
  auto shared_reply = std::make_shared<HttpReply>(std::move(reply));
  const bool queued = writer_->append(spool_line(request), [answer, shared_reply](bool written) {
    if (written) {
      answer(*shared_reply, {200, "application/json", "{\"code\":0}"});
    } else {
      answer(*shared_reply, {500, "text/plain; charset=utf-8", "spool write failed\n"});
    }
  });
  if (!queued) answer(*shared_reply, {503, "text/plain; charset=utf-8", "shutting down\n"});
}

uint64_t WebhookSource::poll(uint64_t max_bytes) {
  if (options_.listen_enabled && !listening_) {
    std::string error;
    if (!launch(error)) throw std::runtime_error(error);
  }
  const uint64_t work = spool_reader_->poll(max_bytes);
  delete_read_files();
  return work;
}

void WebhookSource::delete_read_files() {
  if (!options_.listen_enabled || !writer_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_retention_check_) return;
  next_retention_check_ = now + kRetentionCheckEvery;
  const std::string current = writer_->current_file();
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.spool_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("spool-") && name.ends_with(".log")) files.push_back(entry.path());
  }
  if (files.size() <= options_.spool_keep_files) return;
  std::sort(files.begin(), files.end());
  std::set<std::string> deletable;
  if (options_.checkpointed) {
    for (const auto& [path, times] : read_at_state_) {
      if (times >= 2) deletable.insert(path);
    }
  } else {
    for (const FilePosition& position : spool_reader_->positions()) {
      if (position.path != current && fully_read(position.path, position.offset)) {
        deletable.insert(position.path);
      }
    }
  }
  size_t excess = files.size() - options_.spool_keep_files;
  for (const std::string& file : files) {
    if (excess == 0) break;
    if (file == current || deletable.count(file) == 0) continue;
    if (std::filesystem::remove(file, ec)) {
      --excess;
      read_at_state_.erase(file);
      spdlog::debug("source={} deleted read spool file {}", options_.name, file);
    }
  }
}

std::vector<std::string> WebhookSource::watch_directories() const { return {options_.spool_dir}; }

SourceState WebhookSource::state() const {
  SourceState state;
  state.identity = identity_of(options_.listen, options_.path);
  state.positions = spool_reader_->positions();
  state.cursor = std::string(kCursorHeader) + filter_->dedup().serialize();
  const std::string current = writer_ ? writer_->current_file() : std::string();
  std::map<std::string, int> seen;
  for (const FilePosition& position : state.positions) {
    if (position.path != current && fully_read(position.path, position.offset)) {
      auto it = read_at_state_.find(position.path);
      seen[position.path] = it == read_at_state_.end() ? 1 : it->second + 1;
    }
  }
  read_at_state_.swap(seen);
  return state;
}

void WebhookSource::restore(const SourceState& state) {
  spool_reader_->restore(state.positions);
  std::string_view cursor = state.cursor;
  if (cursor.empty()) return;
  if (!cursor.starts_with(kCursorHeader) ||
      !filter_->dedup().parse(cursor.substr(kCursorHeader.size()))) {
    spdlog::warn("source={}: saved de-duplication keys unreadable; starting without them",
                 options_.name);
  }
  filter_->publish();
}

void WebhookSource::collect(std::vector<prometheus::MetricFamily>& out) const {
  stats_.collect(out);
  spool_reader_->collect(out);
  std::shared_ptr<const prometheus::Collectable> server_metrics;
  {
    std::lock_guard lock(server_metrics_mutex_);
    server_metrics = server_metrics_;
  }
  if (server_metrics) {
    // The same families as the /metrics listener's, told apart by source.
    for (prometheus::MetricFamily& family : server_metrics->Collect()) {
      for (prometheus::ClientMetric& metric : family.metric) {
        metric.label.insert(metric.label.begin(), {"source", options_.name});
      }
      out.push_back(std::move(family));
    }
  }
}

}  // namespace sdx
