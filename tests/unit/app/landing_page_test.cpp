#include "app/landing_page.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

using namespace std::chrono_literals;

prometheus::ClientMetric sample(std::vector<std::pair<std::string, std::string>> labels,
                                double value, bool counter = true) {
  prometheus::ClientMetric m;
  for (auto& [name, v] : labels) m.label.push_back({name, v});
  if (counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return m;
}

sdx::StatusPageData data() {
  sdx::StatusPageData d;
  d.now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  d.started = d.now - 3h - 25min;
  d.config_path = "/etc/sdx/config.yaml";
  d.sources = {{"callbacks", "file", "/var/log/cb/*.jsonl"}, {"hook<1>", "webhook", ":9877"}};
  prometheus::MetricFamily events{
      "stream_disconnect_exporter_events_total", "", prometheus::MetricType::Counter, {}};
  events.metric.push_back(sample({{"source", "callbacks"}, {"result", "disconnect"}}, 17));
  events.metric.push_back(sample({{"source", "callbacks"}, {"result", "push"}}, 5));
  events.metric.push_back(sample({{"source", "callbacks"}, {"result", "parse_error"}}, 2));
  events.metric.push_back(sample({{"source", "hook<1>"}, {"result", "push"}}, 9));
  prometheus::MetricFamily last{"stream_disconnect_exporter_last_event_timestamp_seconds",
                                "",
                                prometheus::MetricType::Gauge,
                                {}};
  last.metric.push_back(sample({{"source", "callbacks"}}, 1'700'000'000 - 75, false));
  prometheus::MetricFamily lag{
      "stream_disconnect_exporter_api_window_lag_seconds", "", prometheus::MetricType::Gauge, {}};
  lag.metric.push_back(sample({{"source", "hook<1>"}}, 42, false));
  prometheus::MetricFamily followed{
      "stream_disconnect_exporter_files_followed", "", prometheus::MetricType::Gauge, {}};
  followed.metric.push_back(sample({{"source", "callbacks"}}, 3, false));
  d.self_metrics = {events, last, lag, followed};
  d.disconnects_by_category = {{"network", 12}, {"auth", 5}, {"idle", 0}};
  d.parse_errors.push_back({d.now - 30s, "callbacks", "invalid_json", "{\"sign\":\"***\" <oops>"});
  return d;
}

}  // namespace

TEST_CASE("html_escape and format_age", "[app][landing_page]") {
  CHECK(sdx::html_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(sdx::format_age(42s) == "42s");
  CHECK(sdx::format_age(125s) == "2m 5s");
  CHECK(sdx::format_age(3h + 25min + 9s) == "3h 25m");
  CHECK(sdx::format_age(50h) == "2d 2h");
}

TEST_CASE("status page: sources, categories and parse errors", "[app][landing_page]") {
  const std::string html = sdx::status_page_html(data());
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("id=\"uptime\">3h 25m<") != std::string::npos);
  CHECK(html.find(SDX_VERSION) != std::string::npos);
  // Source names are escaped, also inside attributes.
  CHECK(html.find("hook<1>") == std::string::npos);
  CHECK(html.find("data-source=\"hook&lt;1&gt;\"") != std::string::npos);
  CHECK(html.find("<td class=\"n\" data-result=\"disconnect\">17</td>") != std::string::npos);
  CHECK(html.find("<td class=\"n\" data-result=\"parse_error\">2</td>") != std::string::npos);
  CHECK(html.find("<td>1m 15s ago</td>") != std::string::npos);
  // Lag families get their own column; other families go under details.
  CHECK(html.find("<code>api_window_lag_seconds</code> 42") != std::string::npos);
  CHECK(html.find("<code>files_followed</code></td><td class=\"n\">3<") != std::string::npos);
  // Categories by count, zero ones left out.
  const size_t network = html.find("data-category=\"network\"");
  const size_t auth = html.find("data-category=\"auth\"");
  REQUIRE(network != std::string::npos);
  REQUIRE(auth != std::string::npos);
  CHECK(network < auth);
  CHECK(html.find("data-category=\"idle\"") == std::string::npos);
  CHECK(html.find("{&quot;sign&quot;:&quot;***&quot; &lt;oops&gt;") != std::string::npos);
  for (const char* link : {"href=\"/metrics\"", "href=\"/-/healthy\"", "href=\"/-/ready\""}) {
    CHECK(html.find(link) != std::string::npos);
  }
  // No external assets: nothing is loaded from elsewhere.
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
}

TEST_CASE("status page with nothing yet", "[app][landing_page]") {
  sdx::StatusPageData d;
  d.now = d.started = std::chrono::system_clock::now();
  const std::string html = sdx::status_page_html(d);
  CHECK(html.find("No sources configured.") != std::string::npos);
  CHECK(html.find("No disconnects counted yet.") != std::string::npos);
  CHECK(html.find("None since start.") != std::string::npos);
}
