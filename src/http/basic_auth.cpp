#include "http/basic_auth.h"

#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <cctype>
#include <memory>

namespace sdx {
namespace {

// Bounded so a stream of distinct valid logins cannot grow it for ever.
constexpr size_t kMaxCached = 1024;

std::string cache_key(std::string_view user, const std::string& hash, std::string_view password) {
  std::string input;
  input.reserve(user.size() + hash.size() + password.size() + 2);
  input.append(user).push_back('\0');
  input.append(hash).push_back('\0');
  input.append(password);
  std::string digest(32, '\0');
  gnutls_hash_fast(GNUTLS_DIG_SHA256, input.data(), input.size(), digest.data());
  return digest;
}

bool case_insensitive_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool crypt_matches(std::string_view password, const std::string& hash) {
  if (password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a worker's stack
  std::string phrase(password);
  const char* result = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof *data);
  // crypt_rn fails (nullptr, or a string starting with '*') on an unknown
  // or malformed hash.
  if (result == nullptr || result[0] == '*') return false;
  std::string_view computed(result);
  if (computed.size() != hash.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < hash.size(); ++i)
    diff |= static_cast<unsigned char>(computed[i] ^ hash[i]);
  return diff == 0;
}

std::optional<std::pair<std::string, std::string>> parse_basic_authorization(
    std::string_view header) {
  if (!case_insensitive_prefix(header, "basic ")) return std::nullopt;
  header.remove_prefix(6);
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  if (header.empty()) return std::nullopt;
  gnutls_datum_t in{reinterpret_cast<unsigned char*>(const_cast<char*>(header.data())),
                    static_cast<unsigned>(header.size())};
  gnutls_datum_t out{nullptr, 0};
  if (gnutls_base64_decode2(&in, &out) < 0) return std::nullopt;
  std::string decoded(reinterpret_cast<const char*>(out.data), out.size);
  gnutls_free(out.data);
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

bool BasicAuth::verify(std::string_view user, std::string_view password) const {
  if (users_.empty()) return false;
  auto it = users_.find(std::string(user));
  // An unknown user costs a bcrypt run too, so timing does not tell which
  // user names exist.
  const std::string& hash = it != users_.end() ? it->second : users_.begin()->second;
  std::string key = cache_key(user, hash, password);
  {
    std::lock_guard lock(mutex_);
    if (it != users_.end() && verified_.count(key) != 0) return true;
  }
  bool ok = crypt_matches(password, hash) && it != users_.end();
  if (ok) {
    std::lock_guard lock(mutex_);
    if (verified_.size() >= kMaxCached) verified_.clear();
    verified_.insert(std::move(key));
  }
  return ok;
}

size_t BasicAuth::cached() const {
  std::lock_guard lock(mutex_);
  return verified_.size();
}

std::optional<HttpResponse> BasicAuth::check(const HttpRequest& request) const {
  if (!enabled()) return std::nullopt;
  if (const std::string* header = request.header("authorization")) {
    if (auto credentials = parse_basic_authorization(*header)) {
      if (verify(credentials->first, credentials->second)) return std::nullopt;
    }
  }
  HttpResponse denied{401, "text/plain; charset=utf-8", "Unauthorized\n"};
  denied.headers.emplace_back("WWW-Authenticate", "Basic");
  return denied;
}

}  // namespace sdx
