#include "http/web_config.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "config/config_loader.h"

namespace {

// A self-signed P-256 certificate and its key, and another key (openssl req
// -x509 -newkey ec, made once for these tests).
const std::string kCert = R"(-----BEGIN CERTIFICATE-----
MIIBfzCCASWgAwIBAgIUSoewEXTP2+kI2pdb1V5AiOf3WDYwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJdW5pdC10ZXN0MCAXDTI2MTIwMzEyMjU1NloYDzIxMjYxMTA5
MTIyNTU2WjAUMRIwEAYDVQQDDAl1bml0LXRlc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAS6sI/94605M3uJq+AFi52l/IK1C0+6erI9NGoQno2raIDrKmm7UWrq
eKwvKxILZ5stnDuT29QBy9/oP7y5z5DBo1MwUTAdBgNVHQ4EFgQUaq7CCzC8fykj
jIHP9Kl21XsSww4wHwYDVR0jBBgwFoAUaq7CCzC8fykjjIHP9Kl21XsSww4wDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAFs1dbyTOd/IhNG/OZgKWy
e7Ih45+LYHT4EkU1C0Zn/gIhAK1D1rRs4dMl68gcUi8qNzo3zXJfhHcm+RfQUDO2
Wq3r
-----END CERTIFICATE-----
)";
const std::string kKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZjq3og0D0Yc1wWOz
qSH6VSaoCPmUuRivU02hHmHraDmhRANCAAS6sI/94605M3uJq+AFi52l/IK1C0+6
erI9NGoQno2raIDrKmm7UWrqeKwvKxILZ5stnDuT29QBy9/oP7y5z5DB
-----END PRIVATE KEY-----
)";
const std::string kOtherKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgibWol87SiWgf7ZaX
HYxZ73tq2ptgCxsA0mHzbFoyAEihRANCAAQCuIHtP4W8hInC06lY97K+rEeA4WCo
i303Jwm/AlsQBKGE8nPEDmCqvX6494raYCmShgCSK71/Ts4uOciZNro/
-----END PRIVATE KEY-----
)";

// Indents PEM text as a YAML block scalar under a key at `indent` spaces.
std::string block(const std::string& pem, int indent) {
  std::string out = "|\n";
  size_t start = 0;
  while (start < pem.size()) {
    size_t end = pem.find('\n', start);
    if (end == std::string::npos) end = pem.size();
    out += std::string(indent, ' ') + pem.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

sdx::WebConfig load(const std::string& yaml) {
  return sdx::load_web_config_string(yaml, "web.yml", "/nonexistent");
}

// The first error's "web.yml:LINE:COLUMN: reason".
std::string first_error(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const sdx::ConfigErrors& e) {
    return e.errors().front().what();
  }
  return "<no error>";
}

std::string inline_tls(const std::string& extra = "") {
  return "tls_server_config:\n  cert: " + block(kCert, 4) + "  key: " + block(kKey, 4) + extra;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sdx-web-config-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() {
    for (const auto& f : files) std::remove((path + "/" + f).c_str());
    rmdir(path.c_str());
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(path + "/" + name) << text;
    files.push_back(name);
  }
  std::string path;
  std::vector<std::string> files;
};

}  // namespace

TEST_CASE("web config: empty file and basic auth users", "[http][web_config]") {
  auto empty = load("");
  CHECK_FALSE(empty.tls);
  CHECK(empty.basic_auth_users.empty());
  auto users = load(
      "basic_auth_users:\n"
      "  alice: $2y$04$B248fxXsXtH8gJE38jSyZubCT72BUXn.jEzD/jzHfaTVyqaNf4q8.\n"
      "  bob: '$2b$10$hLqFl9jSjoAAy95Z/zw8Ye8wkdMBM8c5Bn1ptYqP/AXyV0.oy0S8m'\n");
  REQUIRE(users.basic_auth_users.size() == 2);
  CHECK(users.basic_auth_users.at("bob").substr(0, 7) == "$2b$10$");
  CHECK_FALSE(users.tls);
}

TEST_CASE("web config: mistakes point at file:line:column", "[http][web_config]") {
  CHECK(first_error("basic_auth_users:\n  alice: secret\n") ==
        "web.yml:2:10: the password hash of user \"alice\" must be a bcrypt hash ($2y$10$... 60 "
        "characters; make one with htpasswd -nBC 10 USER), not a plain password");
  CHECK(first_error("basic_auth:\n  alice: x\n")
            .rfind("web.yml:1:1: unknown key \"basic_auth\"", 0) == 0);
  CHECK(first_error("rate_limit:\n  burst: 3\n") ==
        "web.yml:2:3: \"rate_limit\" is not supported by this exporter");
  CHECK(first_error(inline_tls("  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"))
            .find("\"cipher_suites\" in tls_server_config is not supported") != std::string::npos);
  CHECK(first_error(inline_tls("  client_auth_type: RequireClientCert\n"))
            .find("client_auth_type\" in tls_server_config must be one of NoClientCert, "
                  "RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
                  "RequireAndVerifyClientCert, got \"RequireClientCert\"") != std::string::npos);
  CHECK(first_error(inline_tls("  min_version: TLS14\n")).find("got \"TLS14\"") !=
        std::string::npos);
  CHECK(first_error(inline_tls("  min_version: TLS13\n  max_version: TLS12\n"))
            .find("min_version TLS13 is above max_version TLS12") != std::string::npos);
  CHECK(first_error(inline_tls("  client_auth_type: RequireAndVerifyClientCert\n"))
            .find("needs client_ca_file") != std::string::npos);
  CHECK(first_error("tls_server_config:\n  cert_file: a.crt\n")
            .rfind("web.yml:2:14: cannot read /nonexistent/a.crt: No such file or directory", 0) ==
        0);
  CHECK(first_error("tls_server_config:\n  cert: " + block(kCert, 4))
            .find("key_file (or key) is missing") != std::string::npos);
  CHECK(first_error("tls_server_config:\n  cert: " + block(kCert, 4) +
                    "  key: " + block(kOtherKey, 4))
            .rfind("web.yml:2:9: cannot use the certificate and key: ", 0) == 0);
  CHECK(first_error("basic_auth_users: [a]\n").find("must be a map") != std::string::npos);
  CHECK(first_error("tls_server_config: {cert_file: x\n").find("invalid YAML") !=
        std::string::npos);
}

TEST_CASE("web config: every client_auth_type and TLS versions", "[http][web_config]") {
  const std::string ca = "  client_ca: " + block(kCert, 4);
  struct Case {
    const char* name;
    sdx::ClientAuth auth;
    bool needs_ca;
  };
  for (const Case& c :
       {Case{"NoClientCert", sdx::ClientAuth::no_client_cert, false},
        Case{"RequestClientCert", sdx::ClientAuth::request_client_cert, false},
        Case{"RequireAnyClientCert", sdx::ClientAuth::require_any_client_cert, false},
        Case{"VerifyClientCertIfGiven", sdx::ClientAuth::verify_client_cert_if_given, true},
        Case{"RequireAndVerifyClientCert", sdx::ClientAuth::require_and_verify_client_cert,
             true}}) {
    INFO(c.name);
    auto config = load(
        inline_tls(std::string("  client_auth_type: ") + c.name + "\n" + (c.needs_ca ? ca : "")));
    REQUIRE(config.tls);
    CHECK(config.tls->client_auth == c.auth);
    CHECK(std::string(sdx::client_auth_name(c.auth)) == c.name);
    auto settings = sdx::http_tls_settings(*config.tls);
    // Certificates are requested (a trust list given) in every mode but NoClientCert.
    CHECK(settings.client_ca_pem.empty() == (c.auth == sdx::ClientAuth::no_client_cert));
  }
  auto defaults = load(inline_tls());
  REQUIRE(defaults.tls);
  CHECK(defaults.tls->min_version == sdx::TlsVersion::tls12);
  CHECK(sdx::http_tls_settings(*defaults.tls).priorities ==
        "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3:%SERVER_PRECEDENCE");
  auto only13 = load(inline_tls("  min_version: TLS13\n  prefer_server_cipher_suites: false\n"));
  CHECK(sdx::http_tls_settings(*only13.tls).priorities == "NORMAL:-VERS-ALL:+VERS-TLS1.3");
}

TEST_CASE("web config: files relative to the config file's directory", "[http][web_config]") {
  TempDir dir;
  dir.write("server.crt", kCert);
  dir.write("server.key", kKey);
  dir.write("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: " + dir.path +
                           "/server.key\n  client_ca_file: server.crt\n"
                           "  client_auth_type: RequireAndVerifyClientCert\n");
  auto config = sdx::load_web_config_file(dir.path + "/web.yml");
  REQUIRE(config.tls);
  CHECK(config.tls->cert_pem == kCert);
  CHECK(config.tls->key_pem == kKey);
  CHECK(config.tls->client_ca_pem == kCert);
  CHECK_THROWS_AS(sdx::load_web_config_file(dir.path + "/missing.yml"), sdx::ConfigReadError);
}

TEST_CASE("web config: the client certificate check per client_auth_type", "[http][web_config]") {
  sdx::HttpRequest none, unverified, verified;
  unverified.client_cert_presented = true;
  verified.client_cert_presented = verified.client_cert_verified = true;
  using A = sdx::ClientAuth;
  auto passes = [](A a, const sdx::HttpRequest& r) { return !sdx::check_client_certificate(a, r); };
  CHECK(passes(A::no_client_cert, none));
  CHECK(passes(A::request_client_cert, none));
  CHECK(passes(A::request_client_cert, unverified));
  CHECK_FALSE(passes(A::require_any_client_cert, none));
  CHECK(passes(A::require_any_client_cert, unverified));
  CHECK(passes(A::verify_client_cert_if_given, none));
  CHECK_FALSE(passes(A::verify_client_cert_if_given, unverified));
  CHECK(passes(A::verify_client_cert_if_given, verified));
  CHECK_FALSE(passes(A::require_and_verify_client_cert, none));
  CHECK_FALSE(passes(A::require_and_verify_client_cert, unverified));
  CHECK(passes(A::require_and_verify_client_cert, verified));
  CHECK(sdx::check_client_certificate(A::require_any_client_cert, none)->status == 403);
}
