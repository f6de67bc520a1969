#include "http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <prometheus/metric_family.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

// Connects to 127.0.0.1:port with a 5 s receive timeout; -1 on failure.
int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` and reads until the server closes (or 5 s pass).
std::string exchange(int port, const std::string& request) {
  int fd = connect_loopback(port);
  if (fd < 0) return "";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

double dropped(const sdx::HttpServer& server, const std::string& reason) {
  for (const auto& family : server.collectable()->Collect()) {
    if (family.name != "stream_disconnect_exporter_http_connections_dropped_total") continue;
    for (const auto& metric : family.metric) {
      if (metric.label.size() == 1 && metric.label[0].value == reason) return metric.counter.value;
    }
  }
  return -1;
}

sdx::HttpRequest request(std::string method, std::string path, std::string body = "") {
  sdx::HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("listen addresses parse into host and port", "[http]") {
  auto any = sdx::parse_listen_address(":9876");
  REQUIRE(any);
  CHECK(any->host.empty());
  CHECK(any->port == "9876");
  auto v4 = sdx::parse_listen_address("127.0.0.1:9876");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  auto v6 = sdx::parse_listen_address("[::1]:9876");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "9876");
  CHECK_FALSE(sdx::parse_listen_address("9876"));
  CHECK_FALSE(sdx::parse_listen_address("::1:9876"));
  CHECK_FALSE(sdx::parse_listen_address("[::1]9876"));
  CHECK_FALSE(sdx::parse_listen_address("host:99999"));
  CHECK_FALSE(sdx::parse_listen_address("host:"));
}

TEST_CASE("routes match exact paths only", "[http]") {
  sdx::HttpServer server("127.0.0.1:0");
  server.route("/metrics", [](const sdx::HttpRequest&) {
    return sdx::HttpResponse{200, "text/plain", "ok"};
  });
  CHECK(server.dispatch(request("GET", "/metrics")).status == 200);
  CHECK(server.dispatch(request("GET", "/metrics/x")).status == 404);
  CHECK(server.dispatch(request("GET", "/nope")).status == 404);
}

TEST_CASE("a handler that throws answers 500", "[http]") {
  sdx::HttpServer server("127.0.0.1:0");
  server.route("/boom", [](const sdx::HttpRequest&) -> sdx::HttpResponse {
    throw std::runtime_error("boom");
  });
  CHECK(server.dispatch(request("GET", "/boom")).status == 500);
}

TEST_CASE("a started server answers real requests on loopback", "[http]") {
  sdx::HttpServer server("127.0.0.1:0", /*max_body_bytes=*/16);
  server.route("/metrics", [](const sdx::HttpRequest& r) {
    return sdx::HttpResponse{200, "text/plain; version=0.0.4", r.method + " metrics\n"};
  });
  server.route("/echo", [](const sdx::HttpRequest& r) {
    return sdx::HttpResponse{200, "text/plain", r.body};
  });
  std::string error;
  REQUIRE(server.start(error));
  REQUIRE(server.port() > 0);

  std::string reply =
      exchange(server.port(), "GET /metrics?x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(reply.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(reply.find("Cache-Control: no-store") != std::string::npos);
  CHECK(reply.find("\r\n\r\nGET metrics\n") != std::string::npos);

  reply = exchange(server.port(), "GET /nope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  CHECK(reply.rfind("HTTP/1.1 404", 0) == 0);

  reply = exchange(server.port(),
                   "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: "
                   "close\r\n\r\nhello");
  CHECK(reply.find("\r\n\r\nhello") != std::string::npos);

  reply = exchange(server.port(),
                   "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 17\r\nConnection: "
                   "close\r\n\r\n12345678901234567");
  CHECK(reply.rfind("HTTP/1.1 413", 0) == 0);

  reply = exchange(server.port(), "HEAD /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(reply.find("metrics\n") == std::string::npos);
  server.stop();
  CHECK(server.port() == 0);
}

TEST_CASE("a connection without a complete request head is closed and counted", "[http]") {
  sdx::HttpServerLimits limits;
  limits.header_timeout = std::chrono::milliseconds(300);
  limits.max_connections_per_ip = 2;
  sdx::HttpServer server("127.0.0.1:0", 1 << 20, limits);
  server.route("/", [](const sdx::HttpRequest&) { return sdx::HttpResponse{}; });
  std::string error;
  REQUIRE(server.start(error));
  CHECK(dropped(server, "header_timeout") == 0);

  int slow = connect_loopback(server.port());
  REQUIRE(slow >= 0);
  ::send(slow, "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
  char byte;
  auto t0 = std::chrono::steady_clock::now();
  CHECK(::recv(slow, &byte, 1, 0) == 0);  // closed by the server, not by the 5 s recv timeout
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  ::close(slow);
  for (int i = 0; i < 50 && dropped(server, "header_timeout") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(dropped(server, "header_timeout") == 1);

  // Over the per-address limit: refused at accept and counted.
  int a = connect_loopback(server.port());
  int b = connect_loopback(server.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int c = connect_loopback(server.port());
  REQUIRE(c >= 0);
  CHECK(::recv(c, &byte, 1, 0) <= 0);
  CHECK(dropped(server, "per_ip_limit") >= 1);
  for (int fd : {a, b, c}) ::close(fd);
}

TEST_CASE("handlers see request headers and the client address, and set response headers",
          "[http]") {
  sdx::HttpServer server("127.0.0.1:0");
  server.route("/h", [](const sdx::HttpRequest& r) {
    sdx::HttpResponse response{200, "text/plain", ""};
    const std::string* agent = r.header("X-Test-Agent");
    response.body = (agent ? *agent : "none") + " from " + r.remote_address;
    response.headers.emplace_back("X-Answer", "42");
    return response;
  });
  std::string error;
  REQUIRE(server.start(error));
  std::string reply =
      exchange(server.port(),
               "GET /h HTTP/1.1\r\nHost: t\r\nx-test-AGENT: probe\r\nConnection: close\r\n\r\n");
  CHECK(reply.find("X-Answer: 42") != std::string::npos);
  CHECK(reply.find("\r\n\r\nprobe from 127.0.0.1") != std::string::npos);
}

TEST_CASE("a guard answers instead of the route; unknown paths go to the fallback", "[http]") {
  sdx::HttpServer server("127.0.0.1:0");
  server.route("/open", [](const sdx::HttpRequest&) { return sdx::HttpResponse{200, "t", "in"}; });
  server.set_guard([](const sdx::HttpRequest& r) -> std::optional<sdx::HttpResponse> {
    if (r.header("authorization") == nullptr) return sdx::HttpResponse{401, "t", "who?"};
    return std::nullopt;
  });
  server.set_fallback([](const sdx::HttpRequest& r) {
    return sdx::HttpResponse{404, "t", "no " + r.path};
  });
  CHECK(server.dispatch(request("GET", "/open")).status == 401);
  auto allowed = request("GET", "/open");
  allowed.headers.emplace_back("authorization", "x");
  CHECK(server.dispatch(allowed).body == "in");
  allowed.path = "/elsewhere";
  CHECK(server.dispatch(allowed).body == "no /elsewhere");
}

TEST_CASE("an asynchronous route answers when its reply arrives from another thread", "[http]") {
  sdx::HttpServer server("127.0.0.1:0");
  std::mutex mutex;
  std::vector<std::thread> repliers;
  server.route_async("/later", [&](sdx::HttpRequest&& r, sdx::HttpReply reply) {
    std::lock_guard lock(mutex);
    repliers.emplace_back([body = r.body, reply] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      reply(sdx::HttpResponse{202, "text/plain", "done " + body});
    });
  });
  std::string error;
  REQUIRE(server.start(error));
  std::vector<std::string> replies(4);
  std::vector<std::thread> clients;
  for (size_t i = 0; i < replies.size(); ++i) {
    clients.emplace_back([&, i] {
      std::string body = "b" + std::to_string(i);
      replies[i] = exchange(server.port(), "POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                                               std::to_string(body.size()) +
                                               "\r\nConnection: close\r\n\r\n" + body);
    });
  }
  for (auto& t : clients) t.join();
  for (size_t i = 0; i < replies.size(); ++i) {
    CHECK(replies[i].rfind("HTTP/1.1 202", 0) == 0);
    CHECK(replies[i].find("\r\n\r\ndone b" + std::to_string(i)) != std::string::npos);
  }
  std::lock_guard lock(mutex);
  for (auto& t : repliers) t.join();
  server.stop();
}

TEST_CASE("a chunked body over the limit is cut off with 413", "[http]") {
  sdx::HttpServer server("127.0.0.1:0", /*max_body_bytes=*/64);
  size_t handled = 0;
  server.route("/echo", [&](const sdx::HttpRequest& r) {
    ++handled;
    return sdx::HttpResponse{200, "text/plain", r.body};
  });
  std::string error;
  REQUIRE(server.start(error));
  std::string chunk(40, 'x');
  std::string head = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string reply = exchange(server.port(), head + "28\r\n" + chunk + "\r\n28\r\n" + chunk +
                                                  "\r\n28\r\n" + chunk + "\r\n0\r\n\r\n");
  CHECK(reply.rfind("HTTP/1.1 413", 0) == 0);
  reply = exchange(server.port(), head + "28\r\n" + chunk + "\r\n0\r\n\r\n");
  CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(handled == 1);
}
