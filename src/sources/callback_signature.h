#pragma once
// Tencent Cloud Live callback authentication: `sign` is the lowercase hex
// md5(key + t), `t` an expiry in unix seconds. Tencent retries a failed
// delivery for up to 12 minutes after the first one, so an expiry is
// accepted up to `grace` after it passed.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sdx {

enum class SignatureCheck { ok, bad_sign, expired };

// Lowercase hex md5(key + decimal t).
std::string callback_sign(std::string_view key, int64_t t);

// `sign` against md5(key + t) in constant time (a sign of the wrong length
// fails without comparing), then `t` against `now - grace`. A bad sign is
// reported before expiry: an unsigned t says nothing.
SignatureCheck check_callback_signature(std::string_view key, int64_t t, std::string_view sign,
                                        int64_t now, std::chrono::seconds grace);

}  // namespace sdx
