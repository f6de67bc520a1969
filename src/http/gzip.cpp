#include "http/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>

namespace sdx {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The q-value of one "coding;q=0.5;..." element (1 when absent, 0 when malformed).
double q_value(std::string_view params) {
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (param.size() < 2 || std::tolower(static_cast<unsigned char>(param[0])) != 'q' ||
        trim(param.substr(1)).front() != '=') {
      continue;
    }
    std::string value(trim(trim(param.substr(1)).substr(1)));
    char* end = nullptr;
    double q = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || q < 0 || q > 1) return 0;
    return q;
  }
  return 1;
}

}  // namespace

bool accepts_gzip(const std::string* accept_encoding) {
  if (accept_encoding == nullptr) return false;
  std::string_view rest = *accept_encoding;
  std::optional<double> gzip, star;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view element = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    size_t semi = element.find(';');
    std::string_view coding = trim(element.substr(0, semi));
    double q = semi == std::string_view::npos ? 1 : q_value(element.substr(semi + 1));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip = std::max(gzip.value_or(0), q);
    } else if (coding == "*") {
      star = q;
    }
  }
  if (gzip) return *gzip > 0;
  return star && *star > 0;
}

std::string gzip_compress(std::string_view data, int level) {
  if (data.size() > std::numeric_limits<uInt>::max()) throw std::runtime_error("gzip: too large");
  z_stream stream{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
  return out;
}

void gzip_if_accepted(const HttpRequest& request, HttpResponse& response) {
  response.headers.emplace_back("Vary", "Accept-Encoding");
  if (!accepts_gzip(request.header("accept-encoding"))) return;
  response.body = gzip_compress(response.body);
  response.headers.emplace_back("Content-Encoding", "gzip");
}

}  // namespace sdx
