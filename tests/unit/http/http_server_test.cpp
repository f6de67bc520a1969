#include "http/http_server.h"

#include <catch2/catch.hpp>

TEST_CASE("listen addresses translate to civetweb ports", "[http]") {
  CHECK(sdx::civetweb_listening_ports(":9876") == "9876");
  CHECK(sdx::civetweb_listening_ports("127.0.0.1:9876") == "127.0.0.1:9876");
  CHECK(sdx::civetweb_listening_ports("[::1]:9876") == "[::1]:9876");
}

TEST_CASE("routes match exact paths only", "[http]") {
  sdx::HttpServer server("127.0.0.1:0");
  server.route("/metrics", [](const sdx::HttpRequest&) {
    return sdx::HttpResponse{200, "text/plain", "ok"};
  });
  CHECK(server.dispatch({"GET", "/metrics", ""}).status == 200);
  CHECK(server.dispatch({"GET", "/metrics/x", ""}).status == 404);
  CHECK(server.dispatch({"GET", "/nope", ""}).status == 404);
}

TEST_CASE("a handler that throws answers 500", "[http]") {
  sdx::HttpServer server("127.0.0.1:0");
  server.route("/boom", [](const sdx::HttpRequest&) -> sdx::HttpResponse {
    throw std::runtime_error("boom");
  });
  CHECK(server.dispatch({"GET", "/boom", ""}).status == 500);
}
