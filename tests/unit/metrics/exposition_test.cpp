#include "metrics/exposition.h"

#include <catch2/catch.hpp>

#include <prometheus/metric_family.h>

#include "metrics/metrics_registry.h"
#include "metrics/text_writer.h"

using namespace sdx;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

std::shared_ptr<const Model> test_model(std::vector<Dimension> labels = {},
                                        std::vector<std::string> categories = {},
                                        std::vector<CodeEntry> codes = {}) {
  return Model::build(
      ModelSettings{std::move(categories), std::move(codes), std::move(labels), 100});
}

void count(EventCounters& counters, int64_t errcode, int64_t sub, int times, Event event = {}) {
  for (int i = 0; i < times; ++i) {
    Classification c = counters.model().classifier().classify(errcode, sub, "");
    counters.count_disconnect(counters.label_set_for(event), c);
  }
}

std::string render(const MetricsRegistry& registry) {
  return render_exposition(*registry.model(), registry.rows(), {});
}

}  // namespace

TEST_CASE("exposition sums codes into categories and exports every code at zero", "[metrics]") {
  MetricsRegistry registry(test_model());
  auto counters = registry.add_counters("callbacks");
  count(*counters, 18, 500, 2);
  count(*counters, 19, 0, 3);  // 19 is auth too
  count(*counters, 1, 0, 1);
  std::string text = render(registry);

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
  CHECK(info_series == registry.model()->table().size());
  CHECK(text.find(R"(message_zh="账号欠费，您的直播服务已被暂时关停，请及时充值")") !=
        std::string::npos);
}

TEST_CASE("sources are summed unless source is a label", "[metrics]") {
  MetricsRegistry registry(test_model());
  count(*registry.add_counters("one"), 18, 202, 2);
  count(*registry.add_counters("two"), 18, 202, 3);
  CHECK(has_line(render(registry), R"(stream_disconnects_total{category="arrears"} 5)"));

  MetricsRegistry by_source(test_model({Dimension::source}));
  count(*by_source.add_counters("one"), 18, 202, 2);
  count(*by_source.add_counters("two"), 18, 202, 3);
  const std::string text = render(by_source);
  CHECK(has_line(text, R"(stream_disconnects_total{source="one",category="arrears"} 2)"));
  CHECK(has_line(text, R"(stream_disconnects_total{source="two",category="arrears"} 3)"));
}

TEST_CASE("with per-event dimensions only observed categories are exported", "[metrics]") {
  MetricsRegistry registry(test_model({Dimension::domain}));
  Event event;
  event.domain = "a.example.com";
  count(*registry.add_counters("callbacks"), 18, 202, 1, event);
  std::string text = render(registry);
  CHECK(has_line(text, R"(stream_disconnects_total{domain="a.example.com",category="arrears"} 1)"));
  const bool zero_auth_exported =
      text.find(R"(stream_disconnects_total{domain="a.example.com",category="auth"})") !=
      std::string::npos;
  CHECK_FALSE(zero_auth_exported);
  CHECK(has_line(
      text,
      R"(stream_disconnects_by_code_total{domain="a.example.com",errcode="18",sub_errcode="202",category="arrears"} 1)"));
}

TEST_CASE("declared categories are exported and named in the info metric", "[metrics]") {
  CodeEntry codec;
  codec.errcode = 40;
  codec.category = static_cast<Category>(kCategoryCount);  // the first declared one
  codec.reason = "bad_codec";
  MetricsRegistry registry(test_model({}, {"transcoding"}, {codec}));
  count(*registry.add_counters("callbacks"), 40, 0, 2);
  const std::string text = render(registry);
  CHECK(has_line(text, R"(stream_disconnects_total{category="transcoding"} 2)"));
  CHECK(has_line(
      text,
      R"(stream_disconnects_by_code_total{errcode="40",sub_errcode="0",category="transcoding"} 2)"));
  CHECK(
      text.find(
          R"(stream_disconnect_code_info{errcode="40",sub_errcode="0",category="transcoding",reason="bad_codec")") !=
      std::string::npos);
}

TEST_CASE("self metrics of several parts merge into one family each", "[metrics]") {
  struct Part final : prometheus::Collectable {
    std::string source;
    explicit Part(std::string s) : source(std::move(s)) {}
    std::vector<prometheus::MetricFamily> Collect() const override {
      prometheus::MetricFamily family{"stream_disconnect_exporter_things_total",
                                      "Things.",
                                      prometheus::MetricType::Counter,
                                      {}};
      prometheus::ClientMetric metric;
      metric.label = {{"source", source}};
      metric.counter.value = 1;
      family.metric.push_back(metric);
      return {family};
    }
  };
  MetricsRegistry registry(test_model());
  const std::string text =
      render_exposition(*registry.model(), registry.rows(),
                        {std::make_shared<Part>("a"), std::make_shared<Part>("b")});
  size_t type_lines = 0;
  for (size_t at = 0;
       (at = text.find("# TYPE stream_disconnect_exporter_things_total", at)) != std::string::npos;
       ++at) {
    ++type_lines;
  }
  CHECK(type_lines == 1);
  CHECK(has_line(text, R"(stream_disconnect_exporter_things_total{source="a"} 1)"));
  CHECK(has_line(text, R"(stream_disconnect_exporter_things_total{source="b"} 1)"));
}

TEST_CASE("push durations render as a cumulative histogram with sum and count",
          "[metrics][histogram]") {
  MetricsRegistry registry(test_model());
  auto counters = registry.add_counters("a");
  Classification c = counters->model().classifier().classify(18, 202, "");
  for (int64_t ms : {0, 999, 9000, 30500, 90000000}) {
    counters->count_disconnect(counters->label_set_for(Event{}), c, ms);
  }
  const std::string text = render(registry);
  CHECK(has_line(text, "# TYPE stream_push_duration_seconds histogram"));
  CHECK(has_line(text, R"(stream_push_duration_seconds_bucket{category="arrears",le="1"} 2)"));
  CHECK(has_line(text, R"(stream_push_duration_seconds_bucket{category="arrears",le="10"} 3)"));
  CHECK(has_line(text, R"(stream_push_duration_seconds_bucket{category="arrears",le="60"} 4)"));
  CHECK(has_line(text, R"(stream_push_duration_seconds_bucket{category="arrears",le="86400"} 4)"));
  CHECK(has_line(text, R"(stream_push_duration_seconds_bucket{category="arrears",le="+Inf"} 5)"));
  // 0 + 0.999 + 9 + 30.5 + 90000 seconds, exactly.
  CHECK(has_line(text, R"(stream_push_duration_seconds_sum{category="arrears"} 90040.499)"));
  CHECK(has_line(text, R"(stream_push_duration_seconds_count{category="arrears"} 5)"));
  // Categories never observed have no series.
  CHECK(text.find(R"(stream_push_duration_seconds_count{category="auth"})") == std::string::npos);
}

TEST_CASE("written to a file in pieces, the exposition is the rendered text", "[metrics]") {
  MetricsRegistry registry(
      Model::build(ModelSettings{{}, {}, {Dimension::stream}, /*max_label_sets=*/30000}));
  auto counters = registry.add_counters("a");
  std::vector<std::string> streams;
  for (int i = 0; i < 20000; ++i) streams.push_back("stream_" + std::to_string(i));
  for (const auto& stream : streams) {
    Event event;
    event.stream = stream;
    count(*counters, 1, 0, 1, event);
  }
  const std::string expected = render(registry);
  REQUIRE(expected.size() > 2 * TextWriter::kFlushBytes);
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  REQUIRE(write_exposition(file, *registry.model(), registry.rows(), {}));
  std::rewind(file);
  std::string written(expected.size() + 1, '\0');
  written.resize(std::fread(written.data(), 1, written.size(), file));
  std::fclose(file);
  CHECK(written == expected);
}
