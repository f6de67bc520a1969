#pragma once
// One HTTPS POST at a time over libcurl: certificate verification on,
// bounded connect and total timeouts, and a cancel flag checked while the
// transfer runs so a stopping source is not held for a whole timeout.
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace sdx {

struct HttpPostResult {
  bool transferred = false;  // false: network error (see error)
  long status = 0;           // HTTP status when transferred
  std::string body;
  std::string error;  // curl's message when not transferred
};

class ApiClient {
 public:
  ApiClient(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds total_timeout);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // `headers` as "Name: value". Returns early with an error once `cancel` is set.
  HttpPostResult post(const std::string& url, const std::vector<std::string>& headers,
                      const std::string& body, const std::atomic<bool>& cancel);

 private:
  void* curl_;  // CURL*, reused so connections are kept alive
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds total_timeout_;
};

}  // namespace sdx
