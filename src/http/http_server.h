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

namespace sdx {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

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

  // Register before start().
  void route(const std::string& path, HttpHandler handler);
  // Binds and starts serving; false with `error` set when it cannot listen.
  bool start(std::string& error);
  void stop();
  // The bound port after start() (useful with port 0), else 0.
  int port() const;

  HttpResponse dispatch(const HttpRequest& request) const;
  size_t max_body_bytes() const { return max_body_bytes_; }
  // Connection self metrics (dropped by reason, open); safe from any thread.
  std::shared_ptr<const prometheus::Collectable> collectable() const;

  struct Impl;

 private:
  std::string listen_address_;
  size_t max_body_bytes_;
  std::map<std::string, HttpHandler> routes_;
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
