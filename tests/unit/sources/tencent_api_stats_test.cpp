#include "sources/tencent_api_stats.h"

#include <catch2/catch.hpp>

#include <map>

namespace sdx {

TEST_CASE("API error codes map to request outcomes", "[tencent_api]") {
  CHECK(api_outcome_of("") == ApiOutcome::ok);
  CHECK(api_outcome_of("AuthFailure.SecretIdNotFound") == ApiOutcome::auth_error);
  CHECK(api_outcome_of("AuthFailure.SignatureFailure") == ApiOutcome::auth_error);
  CHECK(api_outcome_of("AuthFailure.UnauthorizedOperation") == ApiOutcome::auth_error);
  CHECK(api_outcome_of("AuthFailure.SignatureExpire") == ApiOutcome::clock_skew);
  CHECK(api_outcome_of("RequestLimitExceeded") == ApiOutcome::rate_limited);
  CHECK(api_outcome_of("RequestLimitExceeded.UinLimitExceeded") == ApiOutcome::rate_limited);
  CHECK(api_outcome_of("InternalError") == ApiOutcome::api_error);
  CHECK(api_outcome_of("InvalidParameter") == ApiOutcome::api_error);
}

TEST_CASE("API self metrics carry the source and the documented names", "[tencent_api]") {
  TencentApiStats stats("console");
  stats.requests[static_cast<size_t>(ApiOutcome::rate_limited)] = 2;
  stats.records = 250;
  stats.duplicates = 3;
  stats.pages = 4;
  stats.processed_until = 1000;
  stats.last_success = 990;
  stats.stopped = true;
  std::vector<prometheus::MetricFamily> families;
  stats.collect(families, 1030);
  std::map<std::string, double> values;
  for (const auto& family : families) {
    for (const auto& metric : family.metric) {
      std::string name = family.name;
      for (const auto& label : metric.label) {
        if (label.name == "source") {
          CHECK(label.value == "console");
        } else {
          name += "{" + label.name + "=" + label.value + "}";
        }
      }
      values[name] = family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                    : metric.gauge.value;
    }
  }
  const std::string p = "stream_disconnect_exporter_api_";
  CHECK(values.at(p + "requests_total{outcome=rate_limited}") == 2);
  CHECK(values.at(p + "requests_total{outcome=ok}") == 0);
  for (const char* outcome :
       {"ok", "auth_error", "rate_limited", "clock_skew", "api_error", "network_error"}) {
    CHECK(values.contains(p + "requests_total{outcome=" + outcome + "}"));
  }
  CHECK(values.at(p + "records_total") == 250);
  CHECK(values.at(p + "duplicate_records_total") == 3);
  CHECK(values.at(p + "pages_total") == 4);
  CHECK(values.at(p + "window_lag_seconds") == 30);
  CHECK(values.at(p + "last_success_timestamp_seconds") == 990);
  CHECK(values.at(p + "source_stopped") == 1);
  CHECK(values.size() == 12);
}

}  // namespace sdx
