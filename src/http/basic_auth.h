#pragma once
// HTTP basic authentication against bcrypt hashes (basic_auth_users of
// --web.config.file), verified by libxcrypt. A bcrypt check costs tens of
// milliseconds by design, and Prometheus sends the same credentials on every
// scrape: successful checks are remembered (as a digest, not the password)
// like exporter-toolkit does.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "http/http_server.h"

namespace sdx {

class BasicAuth {
 public:
  // user -> bcrypt hash ($2y$, $2b$, $2a$).
  explicit BasicAuth(std::map<std::string, std::string> users);

  bool enabled() const { return !users_.empty(); }
  // nullopt when the request may go on; else the 401 to send.
  std::optional<HttpResponse> check(const HttpRequest& request) const;
  bool verify(std::string_view user, std::string_view password) const;
  // Successful verifications remembered (tests: the cache is used).
  size_t cached() const;

 private:
  const std::map<std::string, std::string> users_;
  mutable std::mutex mutex_;
  mutable std::unordered_set<std::string> verified_;  // SHA-256 of user, hash, password
};

// "Basic <base64 user:password>" split into user and password; nullopt when
// malformed.
std::optional<std::pair<std::string, std::string>> parse_basic_authorization(
    std::string_view header);

// libxcrypt's verdict on a password against a crypt(3) hash (constant-time
// comparison of the result).
bool crypt_matches(std::string_view password, const std::string& hash);

}  // namespace sdx
