#include "metrics/event_counters.h"

#include <catch2/catch.hpp>

#include <map>

using namespace sdx;

namespace {

// (errcode/sub|labels) -> value, for disconnect rows; "push|labels" for pushes.
std::map<std::string, uint64_t> rows_by_name(const EventCounters& counters) {
  std::vector<CounterRow> rows;
  counters.snapshot(rows);
  std::map<std::string, uint64_t> out;
  for (const auto& row : rows) {
    std::string name =
        row.kind == CounterRow::Kind::push ? "push" : row.errcode + "/" + row.sub_errcode;
    for (const auto& value : row.label_values) name += "|" + value;
    out[name] += row.value;
  }
  return out;
}

std::shared_ptr<const Model> test_model(std::vector<Dimension> labels) {
  return Model::build(ModelSettings{{}, {}, std::move(labels), 1000});
}

Classification listed(const CodeTable& table, int64_t errcode, int64_t sub) {
  auto index = table.find(errcode, sub);
  REQUIRE(index.has_value());
  Classification c{index, errcode, sub, Resolution::table};
  c.category = table.at(*index).category;
  return c;
}

}  // namespace

TEST_CASE("without dimensions every code is exported from the start", "[metrics]") {
  CodeTable table = CodeTable::builtin();
  LabelSetBudget budget(10);
  EventCounters counters(test_model({}), "src", budget);
  auto rows = rows_by_name(counters);
  CHECK(rows.size() == table.size() + 1);  // every code + pushes
  CHECK(rows.at("18/202") == 0);
  CHECK(rows.at("push") == 0);

  Event event;
  auto& set = counters.label_set_for(event);
  counters.count_disconnect(set, listed(table, 18, 202));
  counters.count_disconnect(set, listed(table, 18, 202));
  counters.count_push(set);
  rows = rows_by_name(counters);
  CHECK(rows.at("18/202") == 2);
  CHECK(rows.at("push") == 1);
}

TEST_CASE("unlisted codes keep their codes, bounded", "[metrics]") {
  CodeTable table = CodeTable::builtin();
  LabelSetBudget budget(10);
  EventCounters counters(test_model({}), "src", budget);
  Event event;
  auto& set = counters.label_set_for(event);
  counters.count_disconnect(set, Classification{std::nullopt, 99, 0, Resolution::unlisted});
  counters.count_disconnect(set, Classification{std::nullopt, 99, 0, Resolution::unlisted});
  auto rows = rows_by_name(counters);
  CHECK(rows.at("99/0") == 2);
  // A flood of garbage codes folds into one overflow series.
  for (int64_t code = 1000; code < 1200; ++code) {
    counters.count_disconnect(set, Classification{std::nullopt, code, 0, Resolution::unlisted});
  }
  rows = rows_by_name(counters);
  uint64_t total_unlisted = 0;
  size_t unlisted_series = 0;
  for (const auto& [name, value] : rows) {
    if (name == "push" || name == "__overflow__/__overflow__") continue;
    size_t slash = name.find('/');
    if (table.find(std::stoll(name.substr(0, slash)), std::stoll(name.substr(slash + 1)))) {
      continue;
    }
    ++unlisted_series;
    total_unlisted += value;
  }
  // 99 and the first 63 of the flood keep their codes; the other 137 fold.
  CHECK(unlisted_series == 64);
  CHECK(rows.at("__overflow__/__overflow__") == 137);
  CHECK(total_unlisted + rows.at("__overflow__/__overflow__") == 202);
}

TEST_CASE("dimension labels split counts and overflow past the cap", "[metrics]") {
  CodeTable table = CodeTable::builtin();
  LabelSetBudget budget(2);
  EventCounters counters(test_model({Dimension::source, Dimension::domain}), "cb", budget);
  Event a;
  a.domain = "a.example.com";
  Event b;
  b.domain = "b.example.com";
  Event c;
  c.domain = "c.example.com";
  counters.count_disconnect(counters.label_set_for(a), listed(table, 1, 0));
  counters.count_disconnect(counters.label_set_for(b), listed(table, 1, 0));
  counters.count_disconnect(counters.label_set_for(a), listed(table, 1, 0));
  // Third distinct domain: past max_label_sets=2, counted, not dropped.
  counters.count_disconnect(counters.label_set_for(c), listed(table, 1, 0));
  counters.count_push(counters.label_set_for(c));
  auto rows = rows_by_name(counters);
  CHECK(rows.at("1/0|cb|a.example.com") == 2);
  CHECK(rows.at("1/0|cb|b.example.com") == 1);
  CHECK(rows.at("1/0|cb|__overflow__") == 1);
  CHECK(rows.at("push|cb|__overflow__") == 1);
  CHECK(rows.count("1/0|cb|c.example.com") == 0);
  CHECK(budget.overflow_events() == 2);
  // Sets with event dimensions export only non-zero codes.
  CHECK(rows.count("2/0|cb|a.example.com") == 0);
}

TEST_CASE("the budget is shared between shards", "[metrics]") {
  CodeTable table = CodeTable::builtin();
  LabelSetBudget budget(1);
  EventCounters one(test_model({Dimension::stream}), "one", budget);
  EventCounters two(test_model({Dimension::stream}), "two", budget);
  Event s1;
  s1.stream = "s1";
  Event s2;
  s2.stream = "s2";
  one.count_push(one.label_set_for(s1));
  two.count_push(two.label_set_for(s2));
  CHECK(rows_by_name(one).at("push|s1") == 1);
  CHECK(rows_by_name(two).at("push|__overflow__") == 1);
  CHECK(budget.used() == 1);
}

TEST_CASE("thousands of label sets are found again after the index grows", "[metrics]") {
  CodeTable table = CodeTable::builtin();
  LabelSetBudget budget(5000);
  EventCounters counters(test_model({Dimension::stream}), "src", budget);
  std::vector<std::string> names;
  for (int i = 0; i < 5000; ++i) names.push_back("stream_" + std::to_string(i));
  for (int round = 0; round < 3; ++round) {
    for (const auto& name : names) {
      Event event;
      event.stream = name;
      counters.count_push(counters.label_set_for(event));
    }
  }
  CHECK(counters.label_set_count() == 5000);
  auto rows = rows_by_name(counters);
  CHECK(rows.at("push|stream_0") == 3);
  CHECK(rows.at("push|stream_4999") == 3);
  CHECK(rows.count("push|__overflow__") == 0);
}

TEST_CASE("label values with NULs or separators never share a series", "[metrics]") {
  LabelSetBudget budget(10);
  EventCounters counters(test_model({Dimension::domain, Dimension::app}), "src", budget);
  Event a;
  a.domain = std::string_view("x\0", 2);
  a.app = "y";
  Event b;
  b.domain = "x";
  b.app = std::string_view("\0y", 2);
  counters.count_push(counters.label_set_for(a));
  counters.count_push(counters.label_set_for(b));
  counters.count_push(counters.label_set_for(b));
  CHECK(counters.label_set_count() == 2);
  CHECK(budget.used() == 2);
  auto rows = rows_by_name(counters);
  CHECK(rows.at("push|" + std::string("x\0", 2) + "|y") == 1);
  CHECK(rows.at("push|x|" + std::string("\0y", 2)) == 2);
}

TEST_CASE("a series keeps the category it was counted in", "[metrics]") {
  LabelSetBudget budget(10);
  EventCounters counters(test_model({}), "src", budget);
  Event event;
  auto& set = counters.label_set_for(event);
  Classification partial{std::nullopt, 18, 0, Resolution::category_from_message};
  partial.category = Category::internal_error;
  partial.sub_errcode_known = false;
  counters.count_disconnect(set, partial);
  Classification message_only{std::nullopt, 0, 0, Resolution::category_from_message};
  message_only.category = Category::client_closed;
  message_only.errcode_known = false;
  message_only.sub_errcode_known = false;
  counters.count_disconnect(set, message_only);
  counters.count_disconnect(set, message_only);
  std::vector<CounterRow> rows;
  counters.snapshot(rows);
  std::map<std::string, uint64_t> by_series;
  for (const auto& row : rows) {
    if (row.kind == CounterRow::Kind::disconnect && row.value > 0) {
      by_series[row.errcode + "/" + row.sub_errcode + "/" + row.category] = row.value;
    }
  }
  CHECK(by_series ==
        std::map<std::string, uint64_t>{{"18//internal_error", 1}, {"//client_closed", 2}});
}
