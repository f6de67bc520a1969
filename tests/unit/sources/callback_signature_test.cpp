#include "sources/callback_signature.h"

#include <catch2/catch.hpp>

namespace sdx {

using std::chrono::seconds;

// Expected digests computed independently with Python:
// hashlib.md5((key + str(t)).encode()).hexdigest()
TEST_CASE("callback sign is lowercase hex md5(key + t)", "[webhook][signature]") {
  CHECK(callback_sign("secretkey", 1703732206) == "5fd2983d658ba5f4997f13975c82d975");
  CHECK(callback_sign("", 0) == "cfcd208495d565ef66e7dff9f98764da");
  CHECK(callback_sign("中文key", 1703732206) == "0b392cba1545603c2f97d7a02169e849");
  CHECK(callback_sign("k", -5) == "5ee3d6dd6d5b42a99a88107f65303d41");
}

TEST_CASE("callback signature check: sign, then expiry with grace", "[webhook][signature]") {
  const std::string good = "5fd2983d658ba5f4997f13975c82d975";
  const int64_t t = 1703732206;
  const seconds grace(300);
  CHECK(check_callback_signature("secretkey", t, good, t, grace) == SignatureCheck::ok);
  // Up to the grace after t is fine; one second more is not.
  CHECK(check_callback_signature("secretkey", t, good, t + 300, grace) == SignatureCheck::ok);
  CHECK(check_callback_signature("secretkey", t, good, t + 301, grace) == SignatureCheck::expired);
  CHECK(check_callback_signature("secretkey", t, good, t + 1, seconds(0)) ==
        SignatureCheck::expired);
  // Uppercase hex, a wrong key, a truncated or longer sign, another t.
  CHECK(check_callback_signature("secretkey", t, "5FD2983D658BA5F4997F13975C82D975", t, grace) ==
        SignatureCheck::bad_sign);
  CHECK(check_callback_signature("secretkeY", t, good, t, grace) == SignatureCheck::bad_sign);
  CHECK(check_callback_signature("secretkey", t, good.substr(0, 31), t, grace) ==
        SignatureCheck::bad_sign);
  CHECK(check_callback_signature("secretkey", t, good + "0", t, grace) == SignatureCheck::bad_sign);
  CHECK(check_callback_signature("secretkey", t + 1, good, t, grace) == SignatureCheck::bad_sign);
  CHECK(check_callback_signature("secretkey", t, "", t, grace) == SignatureCheck::bad_sign);
  // A bad sign is reported as such even when t has expired too.
  CHECK(check_callback_signature("other", t, good, t + 10000, grace) == SignatureCheck::bad_sign);
}

}  // namespace sdx
