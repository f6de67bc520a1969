#pragma once
// A small HTTP server on civetweb: exact-path routes, each answered by a
// handler returning status, content type and body.
#include <functional>
#include <map>
#include <memory>
#include <string>

struct mg_context;

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

class HttpServer {
 public:
  // `listen_address` is HOST:PORT, :PORT or [IPv6]:PORT.
  explicit HttpServer(std::string listen_address, size_t max_body_bytes = 1 << 20);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Register before start().
  void route(const std::string& path, HttpHandler handler);
  // Binds and starts serving; false with `error` set when it cannot listen.
  bool start(std::string& error);
  void stop();

  // Exposed for the civetweb callback.
  HttpResponse dispatch(const HttpRequest& request) const;
  size_t max_body_bytes() const { return max_body_bytes_; }

 private:
  std::string listen_address_;
  size_t max_body_bytes_;
  std::map<std::string, HttpHandler> routes_;
  mg_context* context_ = nullptr;
};

// civetweb's listening_ports value for a Prometheus-style listen address.
std::string civetweb_listening_ports(const std::string& listen_address);

}  // namespace sdx
