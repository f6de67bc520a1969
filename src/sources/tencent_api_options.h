#pragma once
// The settings of one tencent_api source, as its factory validated them.
#include <chrono>
#include <cstdint>
#include <string>

#include "sources/tc3_signer.h"
#include "sources/tencent_api_protocol.h"

namespace sdx {

struct TencentApiOptions {
  std::string name;
  std::string endpoint = "https://live.tencentcloudapi.com";
  std::string host;  // the endpoint's host[:port]: the signed Host header
  Tc3Credentials credentials;
  ApiFilters filters;
  std::chrono::milliseconds interval{60000};
  int64_t lag_seconds = 120;
  int64_t lookback_seconds = 3600;
  int max_pages = 100;  // pages fetched per interval at most
};

}  // namespace sdx
