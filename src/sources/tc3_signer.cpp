#include "sources/tc3_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <stdexcept>

namespace sdx {
namespace {

constexpr std::string_view kAlgorithm = "TC3-HMAC-SHA256";
constexpr std::string_view kSignedHeaders = "content-type;host";

std::string to_hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xF];
  }
  return out;
}

// Raw 32-byte HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
           &size) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return to_hex(digest, size);
}

std::string utc_date(int64_t timestamp) {
  const std::time_t t = static_cast<std::time_t>(timestamp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

Tc3Signature tc3_sign(const Tc3Request& request, const Tc3Credentials& credentials) {
  Tc3Signature s;
  s.hashed_payload = sha256_hex(request.payload);
  // Method, URI, query, canonical headers (each ending in \n), signed headers, payload hash.
  s.canonical_request = "POST\n/\n\ncontent-type:" + request.content_type +
                        "\nhost:" + request.host + "\n\n" + std::string(kSignedHeaders) + "\n" +
                        s.hashed_payload;
  s.hashed_canonical_request = sha256_hex(s.canonical_request);
  const std::string date = utc_date(request.timestamp);
  s.credential_scope = date + "/" + request.service + "/tc3_request";
  s.string_to_sign = std::string(kAlgorithm) + "\n" + std::to_string(request.timestamp) + "\n" +
                     s.credential_scope + "\n" + s.hashed_canonical_request;
  const std::string secret_date = hmac_sha256("TC3" + credentials.secret_key, date);
  const std::string secret_service = hmac_sha256(secret_date, request.service);
  const std::string secret_signing = hmac_sha256(secret_service, "tc3_request");
  const std::string raw = hmac_sha256(secret_signing, s.string_to_sign);
  s.signature = to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  s.authorization = std::string(kAlgorithm) + " Credential=" + credentials.secret_id + "/" +
                    s.credential_scope + ", SignedHeaders=" + std::string(kSignedHeaders) +
                    ", Signature=" + s.signature;
  return s;
}

}  // namespace sdx
