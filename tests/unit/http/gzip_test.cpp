#include "http/gzip.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>

namespace {

// Inflates a gzip member with zlib's own reader (windowBits 15 + 32 detects
// the gzip header), independently of gzip_compress's settings.
std::string gunzip(const std::string& data) {
  z_stream stream{};
  REQUIRE(inflateInit2(&stream, 15 + 32) == Z_OK);
  std::string out;
  char buffer[16384];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  inflateEnd(&stream);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

bool accepts(const char* header) {
  std::string h = header;
  return sdx::accepts_gzip(&h);
}

}  // namespace

TEST_CASE("Accept-Encoding: gzip only with a q-value above 0", "[http][gzip]") {
  CHECK_FALSE(sdx::accepts_gzip(nullptr));
  CHECK(accepts("gzip"));
  CHECK(accepts("GZIP"));
  CHECK(accepts("x-gzip"));
  CHECK(accepts("deflate, gzip;q=0.5"));
  CHECK(accepts("gzip ; q=1.0"));
  CHECK(accepts("br;q=1.0, gzip;q=0.8, *;q=0.1"));
  CHECK(accepts("*"));
  CHECK_FALSE(accepts(""));
  CHECK_FALSE(accepts("identity"));
  CHECK_FALSE(accepts("deflate, br"));
  CHECK_FALSE(accepts("gzip;q=0"));
  CHECK_FALSE(accepts("gzip;q=0.000"));
  CHECK_FALSE(accepts("*;q=0"));
  // Naming gzip explicitly wins over the wildcard, both ways.
  CHECK_FALSE(accepts("gzip;q=0, *"));
  CHECK(accepts("gzip, *;q=0"));
  CHECK_FALSE(accepts("gzip;q=abc"));
  CHECK_FALSE(accepts("gzipper"));
}

TEST_CASE("gzip_compress round-trips through zlib's inflate", "[http][gzip]") {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += "stream_disconnects_total{category=\"network\",domain=\"d" + std::to_string(i % 97) +
            "\"} " + std::to_string(i) + "\n";
  }
  const std::string compressed = sdx::gzip_compress(text);
  REQUIRE(compressed.size() > 18);
  CHECK(static_cast<unsigned char>(compressed[0]) == 0x1f);  // gzip magic
  CHECK(static_cast<unsigned char>(compressed[1]) == 0x8b);
  CHECK(compressed.size() < text.size() / 4);
  CHECK(gunzip(compressed) == text);
  CHECK(gunzip(sdx::gzip_compress("")).empty());
}

TEST_CASE("gzip_if_accepted sets Content-Encoding and Vary", "[http][gzip]") {
  auto header = [](const sdx::HttpResponse& r, const std::string& name) -> std::string {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "<none>";
  };
  sdx::HttpRequest plain;
  sdx::HttpResponse a{200, "text/plain", "hello hello hello"};
  sdx::gzip_if_accepted(plain, a);
  CHECK(a.body == "hello hello hello");
  CHECK(header(a, "Content-Encoding") == "<none>");
  CHECK(header(a, "Vary") == "Accept-Encoding");

  sdx::HttpRequest gz;
  gz.headers.emplace_back("accept-encoding", "gzip");
  sdx::HttpResponse b{200, "text/plain", "hello hello hello"};
  sdx::gzip_if_accepted(gz, b);
  CHECK(header(b, "Content-Encoding") == "gzip");
  CHECK(header(b, "Vary") == "Accept-Encoding");
  CHECK(gunzip(b.body) == "hello hello hello");
}
