#include "metrics/metrics_registry.h"

#include <catch2/catch.hpp>

#include <map>

using namespace sdx;

namespace {

std::shared_ptr<const Model> test_model(std::vector<Dimension> labels = {}, size_t max_sets = 100,
                                        std::vector<CodeEntry> codes = {}) {
  return Model::build(ModelSettings{{}, std::move(codes), std::move(labels), max_sets});
}

void count(EventCounters& counters, int64_t errcode, int64_t sub, int times, Event event = {}) {
  for (int i = 0; i < times; ++i) {
    Classification c = counters.model().classifier().classify(errcode, sub, "");
    counters.count_disconnect(counters.label_set_for(event), c);
  }
}

// "errcode/sub/category|label=value,..." -> value over non-zero disconnect rows, sources merged.
std::map<std::string, uint64_t> series(const MetricsRegistry& registry) {
  std::map<std::string, uint64_t> out;
  const auto& labels = registry.model()->labels();
  for (const auto& row : MetricsRegistry::merge_series(registry.rows())) {
    if (row.kind != CounterRow::Kind::disconnect || row.value == 0) continue;
    std::string name = row.errcode + "/" + row.sub_errcode + "/" + row.category + "|";
    for (size_t i = 0; i < labels.size(); ++i) {
      name += std::string(dimension_name(labels[i])) + "=" + row.label_values[i] + ",";
    }
    out[name] += row.value;
  }
  return out;
}

Event with_domain(std::string_view domain) {
  Event event;
  event.domain = domain;
  return event;
}

}  // namespace

TEST_CASE("restored counters add to live counts and are saved again", "[metrics]") {
  MetricsRegistry first(test_model());
  count(*first.add_counters("callbacks"), 18, 202, 40);
  const auto saved = first.checkpoint_counters(first.rows());

  MetricsRegistry second(test_model());
  auto counters = second.add_counters("callbacks");
  RestoreResult result = second.restore(saved);
  CHECK(result.restored == 1);
  CHECK(result.dropped == 0);
  count(*counters, 18, 202, 2);
  CHECK(series(second) == std::map<std::string, uint64_t>{{"18/202/arrears|", 42}});
  const auto saved_again = second.checkpoint_counters(second.rows());
  REQUIRE(saved_again.size() == 1);
  CHECK(saved_again[0].second == 42);
}

TEST_CASE("saved labels are never read under other label names", "[metrics]") {
  MetricsRegistry domains(test_model({Dimension::domain}));
  count(*domains.add_counters("cb"), 18, 202, 3, with_domain("push0.example.com"));
  const auto saved = domains.checkpoint_counters(domains.rows());

  // domain -> stream: the stream of those events is not known: dropped, not mislabelled.
  MetricsRegistry streams(test_model({Dimension::stream}));
  RestoreResult result = streams.restore(saved);
  CHECK(result.dropped == 1);
  CHECK(series(streams).empty());

  // domain -> (no labels): summed over domains; -> [source, domain]: the source is known.
  MetricsRegistry plain(test_model());
  CHECK(plain.restore(saved).dropped == 0);
  CHECK(series(plain) == std::map<std::string, uint64_t>{{"18/202/arrears|", 3}});
  MetricsRegistry with_source(test_model({Dimension::source, Dimension::domain}));
  CHECK(with_source.restore(saved).dropped == 0);
  CHECK(series(with_source) ==
        std::map<std::string, uint64_t>{{"18/202/arrears|source=cb,domain=push0.example.com,", 3}});
}

TEST_CASE("restored label sets count against max_label_sets", "[metrics]") {
  MetricsRegistry wide(test_model({Dimension::domain}, 100));
  auto counters = wide.add_counters("cb");
  for (int i = 0; i < 8; ++i) count(*counters, 1, 0, 1, with_domain("d" + std::to_string(i)));
  const auto saved = wide.checkpoint_counters(wide.rows());

  MetricsRegistry capped(test_model({Dimension::domain}, 2));
  capped.restore(saved);
  CHECK(capped.budget().used() == 2);
  auto rows = series(capped);
  CHECK(rows.size() == 3);  // two label sets + __overflow__
  CHECK(rows.at("1/0/client_closed|domain=__overflow__,") == 6);
  // A live event of an admitted set is not a new set; a new one overflows.
  auto live = capped.add_counters("cb");
  count(*live, 1, 0, 1, with_domain("d0"));
  count(*live, 1, 0, 1, with_domain("d7"));
  CHECK(capped.budget().used() == 2);
  CHECK(series(capped).size() == 3);
  // Saved again, the state stays bounded: restarts do not grow it.
  CHECK(capped.checkpoint_counters(capped.rows()).size() == 3);
}

TEST_CASE("a reload that overrides a code's category moves no counted event", "[metrics]") {
  MetricsRegistry registry(test_model());
  auto counters = registry.add_counters("cb");
  count(*counters, 40, 0, 5);  // unlisted: unknown
  CodeEntry codec;
  codec.errcode = 40;
  codec.category = Category::protocol_error;
  codec.reason = "bad_codec";
  registry.retire(counters);
  registry.reconfigure(test_model({}, 100, {codec}));
  auto next = registry.add_counters("cb");
  count(*next, 40, 0, 2);
  CHECK(series(registry) ==
        std::map<std::string, uint64_t>{{"40/0/unknown|", 5}, {"40/0/protocol_error|", 2}});
}

TEST_CASE("retired shards keep their counts", "[metrics]") {
  MetricsRegistry registry(test_model({Dimension::source}));
  auto counters = registry.add_counters("gone");
  count(*counters, 19, 0, 4);
  registry.retire(counters);
  CHECK(series(registry) == std::map<std::string, uint64_t>{{"19/0/auth|source=gone,", 4}});
}

namespace {
std::string disconnect_key(std::string source, std::string category, std::string errcode,
                           std::string sub) {
  CounterRow row;
  row.source = std::move(source);
  row.category = std::move(category);
  row.errcode = std::move(errcode);
  row.sub_errcode = std::move(sub);
  return row.key({});
}

// Observes `ms` for one 18/202 disconnect of `event`'s label set.
void count_with_duration(EventCounters& counters, int64_t ms, Event event = {}) {
  Classification c = counters.model().classifier().classify(18, 202, "");
  counters.count_disconnect(counters.label_set_for(event), c, ms);
}

// category|labels -> cells, over merged push_duration rows.
std::map<std::string, std::vector<uint64_t>> histograms(const MetricsRegistry& registry) {
  std::map<std::string, std::vector<uint64_t>> out;
  for (const auto& row : MetricsRegistry::merge_series(registry.rows())) {
    if (row.kind != CounterRow::Kind::push_duration) continue;
    std::string name = row.category + "|";
    for (const auto& value : row.label_values) name += value + ",";
    out[name] = row.cells;
  }
  return out;
}
}  // namespace

TEST_CASE("push durations are checkpointed per cell and restored into one histogram",
          "[metrics][histogram]") {
  MetricsRegistry first(test_model({Dimension::domain}));
  auto shard = first.add_counters("callbacks");
  // 0.5 s, 1 s (le=1), 1.5 s (le=10), 2 days (+Inf), in domain d1; 20 s in d2.
  for (int64_t ms : {500, 1000, 1500, 172800000})
    count_with_duration(*shard, ms, with_domain("d1"));
  count_with_duration(*shard, 20000, with_domain("d2"));
  // A disconnect without a duration is counted, but not in the histogram.
  count(*shard, 18, 202, 1, with_domain("d1"));

  std::vector<uint64_t> d1(kPushDurationCells, 0);
  d1[0] = 2;                       // le=1
  d1[1] = 1;                       // le=10
  d1[kPushDurationInfBucket] = 1;  // +Inf
  d1[kPushDurationSumCell] = 500 + 1000 + 1500 + 172800000;
  std::vector<uint64_t> d2(kPushDurationCells, 0);
  d2[2] = 1;  // le=60
  d2[kPushDurationSumCell] = 20000;
  const std::map<std::string, std::vector<uint64_t>> expected{{"arrears|d1,", d1},
                                                              {"arrears|d2,", d2}};
  CHECK(histograms(first) == expected);

  const auto saved = first.checkpoint_counters(first.rows());
  size_t cell_keys = 0;
  for (const auto& [key, value] : saved) cell_keys += key.starts_with("H") ? 1 : 0;
  CHECK(cell_keys == 4 + 2);  // non-zero cells only

  MetricsRegistry second(test_model({Dimension::domain}));
  second.restore(saved);
  CHECK(histograms(second) == expected);
  // Live observations add to the restored ones.
  count_with_duration(*second.add_counters("callbacks"), 400, with_domain("d2"));
  d2[0] += 1;
  d2[kPushDurationSumCell] += 400;
  CHECK(histograms(second)["arrears|d2,"] == d2);
}

TEST_CASE("a state file without histogram keys still loads; unknown cells are malformed",
          "[metrics][histogram]") {
  MetricsRegistry registry(test_model());
  const std::vector<std::pair<std::string, uint64_t>> saved = {
      {disconnect_key("callbacks", "arrears", "18", "202"), 3}, {"H9:callbacks7:arrears3:999", 5}};
  RestoreResult result = registry.restore(saved);
  CHECK(result.restored == 1);
  CHECK(result.malformed == 1);
  CHECK(series(registry) == std::map<std::string, uint64_t>{{"18/202/arrears|", 3}});
  CHECK(histograms(registry).empty());
}
