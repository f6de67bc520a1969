#pragma once
// TC3-HMAC-SHA256, Tencent Cloud API signature v3, over OpenSSL's libcrypto
// (SHA-256 and HMAC). Every intermediate value is returned so the unit test
// can check each against the published test vector.
#include <cstdint>
#include <string>
#include <string_view>

namespace sdx {

struct Tc3Credentials {
  std::string secret_id;
  std::string secret_key;
};

struct Tc3Request {
  std::string host;     // e.g. live.tencentcloudapi.com
  std::string service;  // e.g. live
  std::string content_type = "application/json; charset=utf-8";
  std::string payload;    // the exact bytes sent
  int64_t timestamp = 0;  // unix seconds (X-TC-Timestamp)
};

struct Tc3Signature {
  std::string hashed_payload;
  std::string canonical_request;
  std::string hashed_canonical_request;
  std::string credential_scope;  // DATE/service/tc3_request
  std::string string_to_sign;
  std::string signature;      // lowercase hex
  std::string authorization;  // the Authorization header's value
};

Tc3Signature tc3_sign(const Tc3Request& request, const Tc3Credentials& credentials);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// UTC date (YYYY-MM-DD) of a unix timestamp, as the credential scope wants it.
std::string utc_date(int64_t timestamp);

}  // namespace sdx
