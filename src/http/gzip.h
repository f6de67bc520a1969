#pragma once
// Content-Encoding: gzip for large text responses (/metrics with 10,000
// series is megabytes; Prometheus always asks for gzip).
#include <string>
#include <string_view>

#include "http/http_server.h"

namespace sdx {

// True when an Accept-Encoding value accepts gzip: "gzip" (or "x-gzip", or
// "*" when gzip is not named) with a q-value above 0. nullptr (no header)
// means identity only.
bool accepts_gzip(const std::string* accept_encoding);

// The gzip member (RFC 1952) of `data`; throws std::runtime_error if zlib fails.
std::string gzip_compress(std::string_view data, int level = 1);

// Compresses `response` in place when the request accepts gzip, and marks it
// as varying by Accept-Encoding either way (caches must not mix the two).
void gzip_if_accepted(const HttpRequest& request, HttpResponse& response);

}  // namespace sdx
