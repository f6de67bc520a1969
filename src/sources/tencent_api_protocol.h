#pragma once
// DescribeLiveStreamEventList (live, 2018-08-01) as documented: the request
// body for one page of one window, and the response (records, TotalNum,
// TotalPage, or Response.Error).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sources/api_window.h"

namespace sdx {

inline constexpr std::string_view kApiAction = "DescribeLiveStreamEventList";
inline constexpr std::string_view kApiVersion = "2018-08-01";
inline constexpr std::string_view kApiService = "live";

struct ApiFilters {
  std::string domain, app, stream;  // empty = any
};

std::string event_list_request(ApiWindow window, int page, const ApiFilters& filters);

struct ApiRecord {
  std::string domain, app, stream, stop_reason;
  int64_t start = 0;  // StreamStartTime, unix seconds
  int64_t end = 0;    // StreamEndTime
};

struct ApiPage {
  std::string error_code;  // Response.Error.Code, empty on success
  std::string error_message;
  std::string request_id;
  std::vector<ApiRecord> records;
  int64_t total_num = 0;
  int64_t total_page = 0;
};

// A body that is not the documented shape.
class ApiFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

ApiPage parse_event_list_response(std::string_view body);

// UTC "2018-12-29T19:00:00Z", as the API's times are written.
std::string format_api_time(int64_t unix_seconds);
// The same, also with a "+08:00"-style offset; nullopt when not a time.
std::optional<int64_t> parse_api_time(std::string_view text);

}  // namespace sdx
