#include "sources/api_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <thread>

namespace sdx {
namespace {

// A loopback listener that accepts connections (kernel backlog) and never answers.
struct SilentServer {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  SilentServer() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd, 8) == 0);
    socklen_t size = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    port = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(fd); }
};

}  // namespace

TEST_CASE("a request in flight is abandoned soon after cancel", "[api_client]") {
  SilentServer server;
  ApiClient client(std::chrono::milliseconds(5000), std::chrono::milliseconds(30000));
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.store(true);
  });
  const auto start = std::chrono::steady_clock::now();
  HttpPostResult result = client.post("http://127.0.0.1:" + std::to_string(server.port) + "/",
                                      {"Content-Type: application/json"}, "{}", cancel);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  canceller.join();
  CHECK_FALSE(result.transferred);
  CHECK(elapsed < std::chrono::seconds(3));  // not the 30 s timeout
}

TEST_CASE("the total timeout bounds a request nobody answers", "[api_client]") {
  SilentServer server;
  ApiClient client(std::chrono::milliseconds(1000), std::chrono::milliseconds(500));
  std::atomic<bool> cancel{false};
  const auto start = std::chrono::steady_clock::now();
  HttpPostResult result =
      client.post("http://127.0.0.1:" + std::to_string(server.port) + "/", {}, "{}", cancel);
  CHECK_FALSE(result.transferred);
  CHECK_FALSE(result.error.empty());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("HTTPS to a peer that never completes the TLS handshake fails in time", "[api_client]") {
  SilentServer server;
  ApiClient client(std::chrono::milliseconds(1000), std::chrono::milliseconds(1000));
  std::atomic<bool> cancel{false};
  HttpPostResult result =
      client.post("https://127.0.0.1:" + std::to_string(server.port) + "/", {}, "{}", cancel);
  CHECK_FALSE(result.transferred);
}

TEST_CASE("other URL schemes are refused", "[api_client]") {
  ApiClient client(std::chrono::milliseconds(1000), std::chrono::milliseconds(1000));
  std::atomic<bool> cancel{false};
  HttpPostResult result = client.post("file:///etc/passwd", {}, "{}", cancel);
  CHECK_FALSE(result.transferred);
  CHECK(result.body.empty());
}

}  // namespace sdx
