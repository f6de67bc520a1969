#include "sources/callback_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace sdx {

std::string callback_sign(std::string_view key, int64_t t) {
  const std::string text = std::string(key) + std::to_string(t);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr) != 1) {
    throw std::runtime_error("md5 failed (libcrypto)");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(size_t{length} * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  return hex;
}

SignatureCheck check_callback_signature(std::string_view key, int64_t t, std::string_view sign,
                                        int64_t now, std::chrono::seconds grace) {
  const std::string expected = callback_sign(key, t);
  if (sign.size() != expected.size() ||
      CRYPTO_memcmp(sign.data(), expected.data(), expected.size()) != 0) {
    return SignatureCheck::bad_sign;
  }
  if (t < now - grace.count()) return SignatureCheck::expired;
  return SignatureCheck::ok;
}

}  // namespace sdx
