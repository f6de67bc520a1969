#include "http/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <prometheus/metric_family.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "app/rate_limited_log.h"

namespace sdx {
namespace {

using Clock = std::chrono::steady_clock;

enum Reason : size_t { kHeaderTimeout, kRequestTimeout, kConnectionLimit, kPerIpLimit, kReasons };
constexpr std::array<const char*, kReasons> kReasonNames = {"header_timeout", "request_timeout",
                                                            "connection_limit", "per_ip_limit"};

std::string address_text(const sockaddr* addr) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (addr == nullptr) return buf;
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, buf, sizeof buf);
  } else if (addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

// The answer to an asynchronous request, filled in by its reply callback.
struct AsyncAnswer {
  std::mutex mutex;
  std::optional<HttpResponse> response;
};

// Per request: the request as it arrives, body included.
struct RequestState {
  HttpRequest request;
  bool too_large = false;
  size_t received = 0;                  // body bytes, kept or not
  bool refused = false;                 // answered before the body was read
  std::shared_ptr<AsyncAnswer> answer;  // set once handed to an async handler
};

// What the TLS session says about the client's certificate; GnuTLS verifies
// the chain against the trust list MHD loaded from client_ca_pem.
void inspect_client_certificate(MHD_Connection* connection, HttpRequest& request) {
  const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  if (info == nullptr || info->tls_session == nullptr) return;
  auto session = static_cast<gnutls_session_t>(info->tls_session);
  unsigned count = 0;
  if (gnutls_certificate_get_peers(session, &count) == nullptr || count == 0) return;
  request.client_cert_presented = true;
  unsigned status = 0;
  request.client_cert_verified =
      gnutls_certificate_verify_peers2(session, &status) == GNUTLS_E_SUCCESS && status == 0;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  std::string name = key != nullptr ? key : "";
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static_cast<HttpRequest*>(cls)->headers.emplace_back(std::move(name), value ? value : "");
  return MHD_YES;
}

}  // namespace

struct HttpServer::Impl : prometheus::Collectable {
  struct Conn {
    int fd = -1;
    std::string ip;
    Clock::time_point deadline;  // for a complete request head
    bool has_deadline = true;
    bool reaped = false;
  };

  HttpServerLimits limits;
  std::weak_ptr<Impl> self;  // for replies that may outlive the server
  const HttpServer* server = nullptr;
  MHD_Daemon* daemon = nullptr;
  int port = 0;

  mutable std::mutex mutex;  // conns, per_ip, stopping
  std::unordered_map<MHD_Connection*, Conn> conns;
  std::unordered_map<std::string, size_t> per_ip;
  bool stopping = false;
  std::condition_variable wake;
  std::thread reaper;

  // Asynchronous requests handed out and not yet answered (their
  // connections are suspended; MHD must not stop while any are).
  size_t pending_async = 0;  // guarded by mutex
  std::condition_variable async_done;

  std::array<std::atomic<uint64_t>, kReasons> dropped{};
  std::mutex log_mutex;
  RateLimitedLog log{5, std::chrono::seconds(10)};

  explicit Impl(HttpServerLimits l) : limits(l) {}

  void drop(Reason reason, const std::string& ip, std::string_view why) {
    dropped[reason].fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(log_mutex);
    log.warn(fmt::format("http: closed connection from {}: {} (reason={})", ip, why,
                         kReasonNames[reason]));
  }

  void warn(std::string_view message) {
    std::lock_guard lock(log_mutex);
    log.warn(message);
  }

  // Closes connections that did not deliver a request head in time. The
  // socket is still open while it is in `conns`: MHD reports CLOSED (which
  // erases it under `mutex`) before it closes the descriptor.
  void reap_loop() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      wake.wait_for(lock, std::chrono::milliseconds(200));
      auto now = Clock::now();
      std::vector<std::string> reaped;
      for (auto& [connection, conn] : conns) {
        if (conn.reaped || !conn.has_deadline || now < conn.deadline) continue;
        ::shutdown(conn.fd, SHUT_RDWR);
        conn.reaped = true;
        reaped.push_back(conn.ip);
      }
      if (reaped.empty()) continue;
      lock.unlock();
      for (const auto& ip : reaped) {
        drop(kHeaderTimeout, ip,
             fmt::format("no complete request within {} ms", limits.header_timeout.count()));
      }
      lock.lock();
    }
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    using prometheus::MetricType;
    prometheus::MetricFamily drops{
        "stream_disconnect_exporter_http_connections_dropped_total",
        "HTTP connections the exporter closed or refused, by reason (header_timeout: no complete "
        "request head in time; request_timeout: a request stalled; connection_limit, "
        "per_ip_limit: refused at accept).",
        MetricType::Counter,
        {}};
    for (size_t i = 0; i < kReasons; ++i) {
      prometheus::ClientMetric metric;
      metric.label = {{"reason", kReasonNames[i]}};
      metric.counter.value = static_cast<double>(dropped[i].load(std::memory_order_relaxed));
      drops.metric.push_back(std::move(metric));
    }
    prometheus::MetricFamily open{"stream_disconnect_exporter_http_connections_open",
                                  "HTTP connections open now.",
                                  MetricType::Gauge,
                                  {}};
    prometheus::ClientMetric metric;
    {
      std::lock_guard lock(mutex);
      metric.gauge.value = static_cast<double>(conns.size());
    }
    open.metric.push_back(std::move(metric));
    return {std::move(drops), std::move(open)};
  }
};

namespace {

using Impl = HttpServer::Impl;

MHD_Result accept_policy(void* cls, const sockaddr* addr, socklen_t) {
  auto* impl = static_cast<Impl*>(cls);
  std::string ip = address_text(addr);
  Reason refused = kReasons;
  {
    std::lock_guard lock(impl->mutex);
    if (impl->conns.size() >= impl->limits.max_connections) {
      refused = kConnectionLimit;
    } else if (auto it = impl->per_ip.find(ip);
               it != impl->per_ip.end() && it->second >= impl->limits.max_connections_per_ip) {
      refused = kPerIpLimit;
    }
  }
  if (refused == kReasons) return MHD_YES;
  impl->drop(refused, ip, "refused: too many open connections");
  return MHD_NO;
}

void notify_connection(void* cls, MHD_Connection* connection, void**,
                       MHD_ConnectionNotificationCode code) {
  auto* impl = static_cast<Impl*>(cls);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    Impl::Conn conn;
    if (const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD)) {
      conn.fd = info->connect_fd;
      // Responses are one write; no Nagle delay on kept-alive connections.
      int one = 1;
      setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (const auto* info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) {
      conn.ip = address_text(info->client_addr);
    }
    conn.deadline = Clock::now() + impl->limits.header_timeout;
    std::lock_guard lock(impl->mutex);
    ++impl->per_ip[conn.ip];
    impl->conns[connection] = std::move(conn);
  } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    std::lock_guard lock(impl->mutex);
    auto it = impl->conns.find(connection);
    if (it == impl->conns.end()) return;
    auto ip = impl->per_ip.find(it->second.ip);
    if (ip != impl->per_ip.end() && --ip->second == 0) impl->per_ip.erase(ip);
    impl->conns.erase(it);
  }
}

void request_completed(void* cls, MHD_Connection* connection, void** con_cls,
                       MHD_RequestTerminationCode code) {
  auto* impl = static_cast<Impl*>(cls);
  delete static_cast<RequestState*>(*con_cls);
  *con_cls = nullptr;
  std::string ip;
  {
    std::lock_guard lock(impl->mutex);
    auto it = impl->conns.find(connection);
    if (it != impl->conns.end()) {
      // The next request head is due before the idle timeout closes the
      // connection, plus the usual allowance to send it.
      it->second.deadline = Clock::now() + impl->limits.idle_timeout + impl->limits.header_timeout;
      it->second.has_deadline = true;
      ip = it->second.ip;
    }
  }
  if (code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED) {
    impl->drop(kRequestTimeout, ip, "request stalled past the idle timeout");
  }
}

void free_string(void* p) { delete static_cast<std::string*>(p); }

MHD_Result queue(MHD_Connection* connection, HttpResponse response) {
  auto* body = new std::string(std::move(response.body));
  MHD_Response* r = MHD_create_response_from_buffer_with_free_callback_cls(
      body->size(), body->data(), free_string, body);
  if (r == nullptr) {
    delete body;
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, response.content_type.c_str());
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  for (const auto& [name, value] : response.headers) {
    MHD_add_response_header(r, name.c_str(), value.c_str());
  }
  MHD_Result result = MHD_queue_response(connection, static_cast<unsigned>(response.status), r);
  MHD_destroy_response(r);
  return result;
}

// Hands the request to an asynchronous handler: the connection sleeps until
// the reply arrives (from any thread), then MHD calls access_handler again.
MHD_Result start_async(Impl* impl, MHD_Connection* connection, RequestState* state,
                       const HttpAsyncHandler& handler) {
  state->answer = std::make_shared<AsyncAnswer>();
  {
    std::lock_guard lock(impl->mutex);
    ++impl->pending_async;
  }
  MHD_suspend_connection(connection);
  HttpReply reply = [weak = impl->self, connection, answer = state->answer](HttpResponse response) {
    {
      std::lock_guard lock(answer->mutex);
      if (answer->response) return;  // answered already
      answer->response = std::move(response);
    }
    auto impl = weak.lock();
    if (!impl) return;  // the server is gone
    MHD_resume_connection(connection);
    std::lock_guard lock(impl->mutex);
    --impl->pending_async;
    impl->async_done.notify_all();
  };
  std::string path = state->request.path;
  try {
    handler(std::move(state->request), reply);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} failed: {}", path, e.what());
    reply({500, "text/plain; charset=utf-8", "internal error\n"});
  }
  return MHD_YES;
}

MHD_Result access_handler(void* cls, MHD_Connection* connection, const char* url,
                          const char* method, const char*, const char* upload_data,
                          size_t* upload_data_size, void** con_cls) {
  auto* impl = static_cast<Impl*>(cls);
  try {
    auto* state = static_cast<RequestState*>(*con_cls);
    if (state == nullptr) {  // the request head is complete
      state = new RequestState;
      *con_cls = state;
      HttpRequest& request = state->request;
      request.method = method ? method : "";
      request.path = url ? url : "/";
      MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header, &request);
      if (const auto* info =
              MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) {
        request.remote_address = address_text(info->client_addr);
      }
      inspect_client_certificate(connection, request);
      {
        std::lock_guard lock(impl->mutex);
        auto it = impl->conns.find(connection);
        if (it != impl->conns.end()) it->second.has_deadline = false;
      }
      if (const std::string* length = request.header("content-length")) {
        // Refused before a byte of the body is read.
        if (std::strtoull(length->c_str(), nullptr, 10) > impl->server->max_body_bytes()) {
          state->refused = true;
          return queue(connection, impl->server->too_large_response(request));
        }
      }
      return MHD_YES;
    }
    if (state->refused) return MHD_NO;
    if (state->answer) {  // resumed: the asynchronous reply is in
      std::optional<HttpResponse> response;
      {
        std::lock_guard lock(state->answer->mutex);
        response = std::move(state->answer->response);
      }
      if (!response) return MHD_NO;
      return queue(connection, std::move(*response));
    }
    if (*upload_data_size > 0) {
      // Over the limit, the rest is discarded, not kept; MHD (0.9.75) can
      // answer only once the body is in, so a body that goes on and on past
      // kDiscardLimit is cut off by closing the connection.
      constexpr size_t kDiscardLimit = size_t{1} << 20;
      state->received += *upload_data_size;
      if (!state->too_large) {
        state->request.body.append(upload_data, *upload_data_size);
        if (state->request.body.size() > impl->server->max_body_bytes()) {
          state->too_large = true;
          std::string().swap(state->request.body);
        }
      }
      *upload_data_size = 0;
      if (state->too_large && state->received > impl->server->max_body_bytes() + kDiscardLimit) {
        impl->server->too_large_response(state->request);  // counted, not sent
        return MHD_NO;
      }
      return MHD_YES;
    }
    if (state->too_large) {
      return queue(connection, impl->server->too_large_response(state->request));
    }
    if (const HttpAsyncHandler* handler = impl->server->async_route(state->request.path)) {
      if (auto denied = impl->server->check_guard(state->request)) {
        return queue(connection, std::move(*denied));
      }
      return start_async(impl, connection, state, *handler);
    }
    return queue(connection, impl->server->dispatch(state->request));
  } catch (const std::exception& e) {
    spdlog::error("http: {}", e.what());
    return MHD_NO;
  }
}

void log_mhd(void* cls, const char* format, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof buf, format, ap);
  std::string message = std::string("http: ") + buf;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  // A client that goes away mid-request is routine (and the reaper causes it).
  for (const char* routine : {"closure", "closed", "reset by peer", "timed out"}) {
    if (message.find(routine) != std::string::npos) {
      spdlog::debug("{}", message);
      return;
    }
  }
  static_cast<Impl*>(cls)->warn(message);
}

// A listening socket for the address; -1 with `error` set on failure.
int open_listener(const std::string& listen_address, std::string& error) {
  auto address = parse_listen_address(listen_address);
  if (!address) {
    error = "invalid listen address " + listen_address + " (want HOST:PORT, :PORT or [IPv6]:PORT)";
    return -1;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  hints.ai_family = address->host.empty() ? AF_INET6 : AF_UNSPEC;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(address->host.empty() ? nullptr : address->host.c_str(),
                       address->port.c_str(), &hints, &found);
  if (rc != 0 && address->host.empty()) {  // no IPv6: every IPv4 interface
    hints.ai_family = AF_INET;
    rc = getaddrinfo(nullptr, address->port.c_str(), &hints, &found);
  }
  if (rc != 0) {
    error = fmt::format("cannot listen on {}: {}", listen_address, gai_strerror(rc));
    return -1;
  }
  int fd = -1;
  std::string last = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6 && address->host.empty()) {
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);  // IPv4 too
    }
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) break;
    last = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) error = fmt::format("cannot listen on {}: {}", listen_address, last);
  return fd;
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(const std::string& listen_address) {
  ListenAddress out;
  std::string rest;
  if (!listen_address.empty() && listen_address[0] == '[') {
    auto close = listen_address.find(']');
    if (close == std::string::npos || close + 1 >= listen_address.size() ||
        listen_address[close + 1] != ':') {
      return std::nullopt;
    }
    out.host = listen_address.substr(1, close - 1);
    if (out.host.empty()) return std::nullopt;
    out.port = listen_address.substr(close + 2);
  } else {
    auto colon = listen_address.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    out.host = listen_address.substr(0, colon);
    if (out.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs brackets
    out.port = listen_address.substr(colon + 1);
  }
  if (out.port.empty() || out.port.size() > 5 ||
      out.port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(out.port) > 65535) {
    return std::nullopt;
  }
  return out;
}

HttpServer::HttpServer(std::string listen_address, size_t max_body_bytes, HttpServerLimits limits)
    : listen_address_(std::move(listen_address)),
      max_body_bytes_(max_body_bytes),
      impl_(std::make_shared<Impl>(limits)) {
  impl_->self = impl_;
}

HttpServer::~HttpServer() { stop(); }

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      return &value;
    }
  }
  return nullptr;
}

void HttpServer::route(const std::string& path, HttpHandler handler) {
  routes_[path] = std::move(handler);
}

void HttpServer::route_async(const std::string& path, HttpAsyncHandler handler) {
  async_routes_[path] = std::move(handler);
}

void HttpServer::set_fallback(HttpHandler handler) { fallback_ = std::move(handler); }

void HttpServer::set_too_large(HttpHandler handler) { too_large_ = std::move(handler); }

HttpResponse HttpServer::too_large_response(const HttpRequest& request) const {
  if (too_large_) return too_large_(request);
  return {413, "text/plain; charset=utf-8", "request body too large\n"};
}

void HttpServer::set_guard(HttpGuard guard) { guard_ = std::move(guard); }

void HttpServer::set_tls(HttpTlsSettings tls) { tls_ = std::move(tls); }

std::optional<HttpResponse> HttpServer::check_guard(const HttpRequest& request) const {
  if (!guard_) return std::nullopt;
  try {
    return guard_(request);
  } catch (const std::exception& e) {
    spdlog::error("http: request guard failed: {}", e.what());
    return HttpResponse{500, "text/plain; charset=utf-8", "internal error\n"};
  }
}

const HttpAsyncHandler* HttpServer::async_route(const std::string& path) const {
  auto it = async_routes_.find(path);
  return it == async_routes_.end() ? nullptr : &it->second;
}

HttpResponse HttpServer::dispatch(const HttpRequest& request) const {
  if (auto denied = check_guard(request)) return std::move(*denied);
  auto it = routes_.find(request.path);
  const HttpHandler* handler = it != routes_.end() ? &it->second : nullptr;
  if (handler == nullptr && fallback_) handler = &fallback_;
  if (handler == nullptr) return {404, "text/plain; charset=utf-8", "not found\n"};
  try {
    return (*handler)(request);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} failed: {}", request.path, e.what());
    return {500, "text/plain; charset=utf-8", "internal error\n"};
  }
}

std::shared_ptr<const prometheus::Collectable> HttpServer::collectable() const { return impl_; }

int HttpServer::port() const { return impl_->daemon != nullptr ? impl_->port : 0; }

bool HttpServer::start(std::string& error) {
  if (impl_->daemon != nullptr) return true;
  int fd = open_listener(listen_address_, error);
  if (fd < 0) return false;
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    impl_->port =
        ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  impl_->server = this;
  const HttpServerLimits& limits = impl_->limits;
  unsigned threads = std::max(1u, limits.threads);
  // MHD splits its own limit between threads; ours (accept_policy) is global.
  auto mhd_limit = static_cast<unsigned>((limits.max_connections + 16) * threads);
  auto idle = static_cast<unsigned>(std::max<int64_t>(1, limits.idle_timeout.count()));
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
  if (!async_routes_.empty()) flags |= MHD_ALLOW_SUSPEND_RESUME;
  // TLS options go through an array: MHD reads the ones given, then the END.
  std::vector<MHD_OptionItem> tls_options;
  if (tls_) {
    flags |= MHD_USE_TLS;
    auto add = [&](MHD_OPTION option, const std::string& text) {
      if (!text.empty()) tls_options.push_back({option, 0, const_cast<char*>(text.c_str())});
    };
    add(MHD_OPTION_HTTPS_MEM_CERT, tls_->cert_pem);
    add(MHD_OPTION_HTTPS_MEM_KEY, tls_->key_pem);
    add(MHD_OPTION_HTTPS_MEM_TRUST, tls_->client_ca_pem);
    add(MHD_OPTION_HTTPS_PRIORITIES, tls_->priorities);
  }
  tls_options.push_back({MHD_OPTION_END, 0, nullptr});
  impl_->daemon = MHD_start_daemon(
      flags, 0, accept_policy, impl_.get(), access_handler, impl_.get(), MHD_OPTION_EXTERNAL_LOGGER,
      log_mhd, impl_.get(), MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
      MHD_OPTION_CONNECTION_LIMIT, mhd_limit, MHD_OPTION_CONNECTION_TIMEOUT, idle,
      MHD_OPTION_NOTIFY_CONNECTION, notify_connection, impl_.get(), MHD_OPTION_NOTIFY_COMPLETED,
      request_completed, impl_.get(), MHD_OPTION_ARRAY, tls_options.data(), MHD_OPTION_END);
  if (impl_->daemon == nullptr) {
    ::close(fd);
    error = "cannot start the HTTP server on " + listen_address_;
    return false;
  }
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = false;
  }
  impl_->reaper = std::thread([impl = impl_.get()] { impl->reap_loop(); });
  return true;
}

void HttpServer::stop() {
  if (impl_->daemon == nullptr) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->reaper.joinable()) impl_->reaper.join();
  {
    // MHD aborts when stopped with suspended connections: their handlers
    // are to answer them first (the owner stops what feeds them before this).
    std::unique_lock lock(impl_->mutex);
    if (!impl_->async_done.wait_for(lock, std::chrono::seconds(10),
                                    [this] { return impl_->pending_async == 0; })) {
      spdlog::error(
          "http: {} requests on {} still unanswered at shutdown; not stopping the "
          "listener cleanly",
          impl_->pending_async, listen_address_);
      return;
    }
  }
  MHD_stop_daemon(impl_->daemon);  // closes the listening socket too
  impl_->daemon = nullptr;
}

}  // namespace sdx
