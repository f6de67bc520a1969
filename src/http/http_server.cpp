#include "http/http_server.h"

#include <civetweb.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace sdx {
namespace {

std::once_flag civetweb_init;

const char* status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

int handle_request(mg_connection* connection, void* server_ptr) {
  const auto* server = static_cast<const HttpServer*>(server_ptr);
  const mg_request_info* info = mg_get_request_info(connection);
  HttpRequest request;
  request.method = info->request_method ? info->request_method : "";
  request.path = info->local_uri ? info->local_uri : "/";

  HttpResponse response;
  if (info->content_length > static_cast<long long>(server->max_body_bytes())) {
    response = {413, "text/plain; charset=utf-8", "request body too large\n"};
  } else {
    if (info->content_length > 0) {
      request.body.resize(static_cast<size_t>(info->content_length));
      int got = mg_read(connection, request.body.data(), request.body.size());
      request.body.resize(got > 0 ? static_cast<size_t>(got) : 0);
    }
    response = server->dispatch(request);
  }
  // Headers and body in one write: two small writes on a kept-alive
  // connection stall ~40 ms on Nagle + delayed ACK.
  std::string head = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\r\n",
      response.status, status_text(response.status), response.content_type, response.body.size());
  if (request.method == "HEAD") {
    mg_write(connection, head.data(), head.size());
  } else {
    head += response.body;
    mg_write(connection, head.data(), head.size());
  }
  return 1;  // handled; civetweb decides keep-alive
}

int log_civetweb_message(const mg_connection*, const char* message) {
  spdlog::warn("http: {}", message);
  return 1;
}

}  // namespace

std::string civetweb_listening_ports(const std::string& listen_address) {
  // ":9876" means every interface: civetweb spells that "9876".
  if (!listen_address.empty() && listen_address[0] == ':') return listen_address.substr(1);
  return listen_address;
}

HttpServer::HttpServer(std::string listen_address, size_t max_body_bytes)
    : listen_address_(std::move(listen_address)), max_body_bytes_(max_body_bytes) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(const std::string& path, HttpHandler handler) {
  routes_[path] = std::move(handler);
}

HttpResponse HttpServer::dispatch(const HttpRequest& request) const {
  auto it = routes_.find(request.path);
  if (it == routes_.end()) return {404, "text/plain; charset=utf-8", "not found\n"};
  try {
    return it->second(request);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} failed: {}", request.path, e.what());
    return {500, "text/plain; charset=utf-8", "internal error\n"};
  }
}

bool HttpServer::start(std::string& error) {
  std::call_once(civetweb_init, [] { mg_init_library(0); });
  std::string ports = civetweb_listening_ports(listen_address_);
  const char* options[] = {
      "listening_ports", ports.c_str(),       "num_threads", "8",    "request_timeout_ms",
      "10000",           "enable_keep_alive", "yes",         nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = log_civetweb_message;
  context_ = mg_start(&callbacks, nullptr, options);
  if (context_ == nullptr) {
    error = "cannot listen on " + listen_address_;
    return false;
  }
  // One catch-all handler: dispatch() matches exact paths itself.
  mg_set_request_handler(context_, "/", handle_request, this);
  return true;
}

void HttpServer::stop() {
  if (context_ != nullptr) {
    mg_stop(context_);
    context_ = nullptr;
  }
}

}  // namespace sdx
