#include "app/event_pipeline.h"

#include <catch2/catch.hpp>

#include "metrics/metrics_registry.h"
#include "padded_line.h"
#include "parse/callback_parser.h"

using namespace sdx;

namespace {

struct Fixture {
  MetricsRegistry registry{Model::build(ModelSettings{})};
  std::shared_ptr<EventCounters> counters = registry.add_counters("src");
  SourceStats stats{"src"};
  EventPipeline pipeline{std::make_unique<TencentCallbackParser>(), *counters, stats};

  void feed(std::string_view text) { pipeline.on_line(test::PaddedLine(text).view()); }
  uint64_t events(EventResult result) const {
    return stats.events[static_cast<size_t>(result)].load();
  }
};

}  // namespace

TEST_CASE("a byte order mark before an event is skipped, not a parse error", "[app]") {
  Fixture f;
  f.feed("\xEF\xBB\xBF{\"event_type\":0,\"errcode\":19}");
  f.feed("{\"event_type\":0,\"errcode\":19}");
  f.feed("\xEF\xBB{\"event_type\":0,\"errcode\":19}");  // half a BOM is garbage
  CHECK(f.events(EventResult::disconnect) == 2);
  CHECK(f.events(EventResult::parse_error) == 1);
}

TEST_CASE("each event is classified and counted once", "[app]") {
  Fixture f;
  f.feed("{\"event_type\":0,\"errcode\":18,\"errmsg\":\"CSS system internal error.\"}");
  f.feed("{\"event_type\":1,\"errcode\":0}");
  f.feed("{\"event_type\":100,\"errcode\":0}");
  CHECK(f.events(EventResult::disconnect) == 1);
  CHECK(f.events(EventResult::push) == 1);
  CHECK(f.events(EventResult::filtered) == 1);
  CHECK(f.stats.resolutions[static_cast<size_t>(Resolution::category_from_message)].load() == 1);
  bool found = false;
  for (const auto& row : f.registry.rows()) {
    if (row.kind == CounterRow::Kind::disconnect && row.value > 0) {
      CHECK(row.errcode == "18");
      CHECK(row.sub_errcode.empty());
      CHECK(row.category == "internal_error");
      found = true;
    }
  }
  CHECK(found);
}
