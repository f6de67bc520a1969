#include "metrics/exposition.h"

#include <catch2/catch.hpp>

using namespace sdx;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

void count(MetricsRegistry& registry, EventCounters& counters, int64_t errcode, int64_t sub,
           int times) {
  auto index = registry.table().find(errcode, sub);
  REQUIRE(index);
  for (int i = 0; i < times; ++i) {
    Event event;
    counters.count_disconnect(counters.label_set_for(event),
                              Classification{index, errcode, sub, Resolution::table});
  }
}

}  // namespace

TEST_CASE("exposition sums codes into categories and exports every code at zero", "[metrics]") {
  CodeTable table = CodeTable::builtin();
  MetricsRegistry registry(table, {}, 100);
  auto& counters = registry.add_counters("callbacks");
  registry.add_source_stats("callbacks");
  count(registry, counters, 18, 500, 2);
  count(registry, counters, 19, 0, 3);  // 19 is auth too
  count(registry, counters, 1, 0, 1);
  std::string text = render_exposition(registry);

  CHECK(has_line(text, R"(stream_disconnects_total{category="auth"} 5)"));
  CHECK(has_line(text, R"(stream_disconnects_total{category="client_closed"} 1)"));
  CHECK(has_line(text, R"(stream_disconnects_total{category="arrears"} 0)"));
  CHECK(has_line(
      text,
      R"(stream_disconnects_by_code_total{errcode="18",sub_errcode="500",category="auth"} 2)"));
  CHECK(has_line(
      text,
      R"(stream_disconnects_by_code_total{errcode="18",sub_errcode="202",category="arrears"} 0)"));
  CHECK(has_line(text, "stream_pushes_total 0"));
  CHECK(text.find("# TYPE stream_disconnects_total counter") != std::string::npos);
  CHECK(text.find("stream_disconnect_exporter_build_info{") != std::string::npos);
  // One info series per known code.
  size_t info_series = 0;
  for (size_t at = 0; (at = text.find("\nstream_disconnect_code_info{", at)) != std::string::npos;
       ++at) {
    ++info_series;
  }
  CHECK(info_series == table.size());
  CHECK(text.find(R"(reason=")") != std::string::npos);
  CHECK(text.find(R"(message_zh="账号欠费，您的直播服务已被暂时关停，请及时充值")") !=
        std::string::npos);
}

TEST_CASE("restored counters add to live counts", "[metrics]") {
  CodeTable table = CodeTable::builtin();
  MetricsRegistry registry(table, {}, 100);
  auto& counters = registry.add_counters("callbacks");
  CounterRow saved;
  saved.errcode = "18";
  saved.sub_errcode = "202";
  CounterRow mismatched = saved;
  mismatched.label_values = {"extra"};  // labels no longer configured
  CHECK(registry.restore({{saved.key(), 40}, {mismatched.key(), 5}, {"garbage", 1}}) == 2);
  count(registry, counters, 18, 202, 2);
  std::string text = render_exposition(registry);
  CHECK(has_line(text, R"(stream_disconnects_total{category="arrears"} 42)"));
  auto saved_again = MetricsRegistry::checkpoint_counters(registry.merged_rows());
  bool found = false;
  for (const auto& [key, value] : saved_again) {
    if (key == saved.key()) {
      found = true;
      CHECK(value == 42);
    }
  }
  CHECK(found);
}

TEST_CASE("with per-event dimensions only observed categories are exported", "[metrics]") {
  CodeTable table = CodeTable::builtin();
  MetricsRegistry registry(table, {Dimension::domain}, 100);
  auto& counters = registry.add_counters("callbacks");
  Event event;
  event.domain = "a.example.com";
  auto index = table.find(18, 202);
  REQUIRE(index);
  counters.count_disconnect(counters.label_set_for(event),
                            Classification{index, 18, 202, Resolution::table});
  std::string text = render_exposition(registry);
  CHECK(has_line(text, R"(stream_disconnects_total{domain="a.example.com",category="arrears"} 1)"));
  const bool zero_auth_exported =
      text.find(R"(stream_disconnects_total{domain="a.example.com",category="auth"})") !=
      std::string::npos;
  CHECK_FALSE(zero_auth_exported);
  CHECK(has_line(
      text,
      R"(stream_disconnects_by_code_total{domain="a.example.com",errcode="18",sub_errcode="202",category="arrears"} 1)"));
}
