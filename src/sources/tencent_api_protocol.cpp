#include "sources/tencent_api_protocol.h"

#include <simdjson.h>

#include <cstdio>
#include <ctime>

namespace sdx {
namespace {

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string string_field(simdjson::dom::object object, std::string_view key) {
  std::string_view value;
  if (object[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return std::string(value);
}

int64_t time_field(simdjson::dom::object object, std::string_view key) {
  std::string_view text;
  if (object[key].get_string().get(text) != simdjson::SUCCESS) {
    throw ApiFormatError("record without " + std::string(key));
  }
  auto time = parse_api_time(text);
  if (!time) throw ApiFormatError(std::string(key) + " is not a time: " + std::string(text));
  return *time;
}

int64_t number_field(simdjson::dom::object object, std::string_view key) {
  int64_t value = 0;
  if (object[key].get_int64().get(value) != simdjson::SUCCESS) {
    throw ApiFormatError("response without an integer " + std::string(key));
  }
  return value;
}

bool read_digits(std::string_view text, size_t at, size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string event_list_request(ApiWindow window, int page, const ApiFilters& filters) {
  std::string body = "{\"StartTime\":";
  append_json_string(body, format_api_time(window.start));
  body += ",\"EndTime\":";
  append_json_string(body, format_api_time(window.end));
  if (!filters.domain.empty()) {
    body += ",\"DomainName\":";
    append_json_string(body, filters.domain);
  }
  if (!filters.app.empty()) {
    body += ",\"AppName\":";
    append_json_string(body, filters.app);
  }
  if (!filters.stream.empty()) {
    body += ",\"StreamName\":";
    append_json_string(body, filters.stream);
    body += ",\"IsStrict\":1";  // the stream name exactly, not a prefix
  }
  body += ",\"PageNum\":" + std::to_string(page);
  body += ",\"PageSize\":" + std::to_string(kApiPageSize);
  body += ",\"IsAsc\":1}";  // oldest first: rows added late land on the last page
  return body;
}

ApiPage parse_event_list_response(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    throw ApiFormatError("response is not JSON");
  }
  simdjson::dom::object response;
  if (root["Response"].get_object().get(response) != simdjson::SUCCESS) {
    throw ApiFormatError("response without a Response object");
  }
  ApiPage page;
  page.request_id = string_field(response, "RequestId");
  simdjson::dom::object error;
  if (response["Error"].get_object().get(error) == simdjson::SUCCESS) {
    page.error_code = string_field(error, "Code");
    page.error_message = string_field(error, "Message");
    if (page.error_code.empty()) throw ApiFormatError("Response.Error without a Code");
    return page;
  }
  page.total_num = number_field(response, "TotalNum");
  page.total_page = number_field(response, "TotalPage");
  simdjson::dom::array events;
  if (response["EventList"].get_array().get(events) != simdjson::SUCCESS) {
    throw ApiFormatError("response without an EventList array");
  }
  for (simdjson::dom::element item : events) {
    simdjson::dom::object event;
    if (item.get_object().get(event) != simdjson::SUCCESS) {
      throw ApiFormatError("EventList item is not an object");
    }
    ApiRecord record;
    record.domain = string_field(event, "DomainName");
    record.app = string_field(event, "AppName");
    record.stream = string_field(event, "StreamName");
    record.stop_reason = string_field(event, "StopReason");
    record.start = time_field(event, "StreamStartTime");
    record.end = time_field(event, "StreamEndTime");
    page.records.push_back(std::move(record));
  }
  return page;
}

std::string format_api_time(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::optional<int64_t> parse_api_time(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS then Z or +HH:MM / -HH:MM
  std::tm tm{};
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':' ||
      !read_digits(text, 0, 4, year) || !read_digits(text, 5, 2, month) ||
      !read_digits(text, 8, 2, day) || !read_digits(text, 11, 2, hour) ||
      !read_digits(text, 14, 2, minute) || !read_digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  int64_t offset = 0;
  std::string_view zone = text.substr(19);
  if (zone != "Z") {
    int zone_hours, zone_minutes;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' ||
        !read_digits(zone, 1, 2, zone_hours) || !read_digits(zone, 4, 2, zone_minutes)) {
      return std::nullopt;
    }
    offset = (zone_hours * 3600 + zone_minutes * 60) * (zone[0] == '+' ? 1 : -1);
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) - offset;
}

}  // namespace sdx
