#pragma once
// A small HTTP server on libmicrohttpd (event driven: epoll worker threads,
// so idle or slow connections cost a socket, not a thread): exact-path
// routes, each answered by a handler returning status, content type and body.
// Connections that send no complete request within a deadline, or that go
// over the connection limits, are closed and counted by reason in
// stream_disconnect_exporter_http_connections_dropped_total (collectable()).
#include <prometheus/collectable.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sdx {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string body;
  // Request headers in arrival order, names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string remote_address;  // client IP, no port
  // HTTPS with client certificates requested (HttpTlsSettings::client_ca_pem):
  // whether the client sent one, and whether it verified against that CA.
  bool client_cert_presented = false;
  bool client_cert_verified = false;
  // The first header of that (case-insensitive) name, or nullptr.
  const std::string* header(std::string_view name) const;
};

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(int status_code, std::string type, std::string text)
      : status(status_code), content_type(std::move(type)), body(std::move(text)) {}

  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Completes an asynchronous request; call it exactly once, from any thread.
using HttpReply = std::function<void(HttpResponse)>;
// A handler that answers later (for example once a write is durable): it
// must eventually call `reply`, also when the server is stopping.
using HttpAsyncHandler = std::function<void(HttpRequest&& request, HttpReply reply)>;
// Runs before routing on every request; a response it returns is sent
// instead of the route's (authentication, for example).
using HttpGuard = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

// TLS for a listener, as PEM text (read the files before start()).
struct HttpTlsSettings {
  std::string cert_pem;
  std::string key_pem;
  // Client certificates are requested when set (verification is the
  // guard's business, see HttpServer::set_guard).
  std::string client_ca_pem;
  // GnuTLS priority string, e.g. "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1"; empty
  // for GnuTLS's default.
  std::string priorities;
};

struct HttpServerLimits {
  // A connection must deliver a complete request head within this time of
  // being accepted (or of its previous response): slow senders are closed.
  std::chrono::milliseconds header_timeout{5000};
  // A kept-alive connection with no traffic for this long is closed.
  std::chrono::seconds idle_timeout{30};
  // Open connections in all, and from one client address.
  size_t max_connections = 2048;
  size_t max_connections_per_ip = 1024;
  // Event loop threads; a slow handler holds up only its own thread.
  unsigned threads = 4;
};

class HttpServer {
 public:
  // `listen_address` is HOST:PORT, :PORT or [IPv6]:PORT.
  explicit HttpServer(std::string listen_address, size_t max_body_bytes = 1 << 20,
                      HttpServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Register before start(). Exact paths; anything else goes to the
  // fallback (default: 404).
  void route(const std::string& path, HttpHandler handler);
  void route_async(const std::string& path, HttpAsyncHandler handler);
  void set_fallback(HttpHandler handler);
  // Builds the 413 for a body over max_body_bytes (by Content-Length, or
  // once read); also called, its answer unsent, when an endless body is cut
  // off. Default: a plain 413.
  void set_too_large(HttpHandler handler);
  void set_guard(HttpGuard guard);
  // Serve HTTPS instead of HTTP.
  void set_tls(HttpTlsSettings tls);
  // Binds and starts serving; false with `error` set when it cannot listen.
  bool start(std::string& error);
  void stop();
  // The bound port after start() (useful with port 0), else 0.
  int port() const;

  // Guard, then the route's (synchronous) handler or the fallback.
  HttpResponse dispatch(const HttpRequest& request) const;
  // The guard's answer for this request, if it refuses it.
  std::optional<HttpResponse> check_guard(const HttpRequest& request) const;
  HttpResponse too_large_response(const HttpRequest& request) const;
  // The asynchronous handler for the request's path, or nullptr.
  const HttpAsyncHandler* async_route(const std::string& path) const;
  size_t max_body_bytes() const { return max_body_bytes_; }
  // Connection self metrics (dropped by reason, open); safe from any thread.
  std::shared_ptr<const prometheus::Collectable> collectable() const;

  struct Impl;

 private:
  std::string listen_address_;
  size_t max_body_bytes_;
  std::map<std::string, HttpHandler> routes_;
  std::map<std::string, HttpAsyncHandler> async_routes_;
  HttpHandler fallback_;
  HttpHandler too_large_;
  HttpGuard guard_;
  std::optional<HttpTlsSettings> tls_;
  std::shared_ptr<Impl> impl_;
};

// HOST:PORT, :PORT (every interface: empty host) or [IPv6]:PORT split into
// host and port; nullopt when malformed.
struct ListenAddress {
  std::string host;
  std::string port;
};
std::optional<ListenAddress> parse_listen_address(const std::string& listen_address);

}  // namespace sdx
