#include "sources/tc3_signer.h"

#include <catch2/catch.hpp>

namespace sdx {

// Tencent Cloud's published example (Signature v3 doc; facts/TENCENT.md).
TEST_CASE("TC3-HMAC-SHA256 reproduces the published test vector", "[tc3]") {
  Tc3Request request;
  request.host = "cvm.tencentcloudapi.com";
  request.service = "cvm";
  request.timestamp = 1551113065;
  request.payload =
      R"({"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]})";
  const Tc3Credentials credentials{"AKIDEXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"};

  const Tc3Signature s = tc3_sign(request, credentials);
  CHECK(s.hashed_payload == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
  CHECK(s.hashed_canonical_request ==
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031");
  CHECK(s.credential_scope == "2019-02-25/cvm/tc3_request");
  CHECK(s.signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
  CHECK(s.authorization ==
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
}

TEST_CASE("TC3 signature changes with the key, the payload and the day", "[tc3]") {
  Tc3Request request;
  request.host = "live.tencentcloudapi.com";
  request.service = "live";
  request.timestamp = 1700000000;
  request.payload = "{}";
  const Tc3Signature base = tc3_sign(request, {"id", "key"});
  CHECK(tc3_sign(request, {"id", "other"}).signature != base.signature);
  Tc3Request payload = request;
  payload.payload = "{ }";
  CHECK(tc3_sign(payload, {"id", "key"}).signature != base.signature);
  Tc3Request next_day = request;
  next_day.timestamp += 86400;
  CHECK(tc3_sign(next_day, {"id", "key"}).credential_scope == "2023-11-15/live/tc3_request");
  CHECK(base.credential_scope == "2023-11-14/live/tc3_request");
}

TEST_CASE("sha256_hex of known inputs", "[tc3]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace sdx
