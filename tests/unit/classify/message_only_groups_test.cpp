// Message-only records (records API StopReason) against every message of
// data/tencent_codes.tsv, Chinese and English: a text carried by one row
// resolves to it; a text shared by several rows counts in their common
// category with both codes unknown. Expected categories are DESIGN's
// category table, written out here, not read from the classifier's table.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "classify/classifier.h"

namespace sdx {
namespace {

std::string design_category(int64_t e, int64_t s) {
  if (e == 18) {
    if (s >= 100 && s <= 104) return "internal_error";
    if (s == 200 || s == 201 || s == 203) return "account";
    if (s == 202) return "arrears";
    if ((s >= 300 && s <= 302) || (s >= 306 && s <= 309)) return "push_url_invalid";
    if (s >= 303 && s <= 305) return "banned";
    if (s == 400 || s == 401) return "ip_acl";
    if (s >= 500 && s <= 503) return "auth";
    if (s >= 600 && s <= 602) return "quota";
    return "push_rejected";
  }
  if (e == 21) {
    if (s == 100 || s == 101) return "api_request";
    if (s == 102 || s == 103) return "replaced";
    return "stream_control";
  }
  const std::map<std::string, std::set<int64_t>> simple = {{"client_closed", {1, 2, 3, 4, 35}},
                                                           {"network", {12, 13, 14, 15, 16, 17}},
                                                           {"idle", {8, 20, 37}},
                                                           {"protocol_error", {6, 23, 33}},
                                                           {"media_limit", {7, 39}},
                                                           {"internal_error", {5, 9, 11, 24, 38}},
                                                           {"proxy_command", {10}},
                                                           {"auth", {19}}};
  for (const auto& [category, codes] : simple) {
    if (codes.contains(e)) return category;
  }
  return "unknown";
}

struct Row {
  int64_t errcode, sub_errcode;
  std::string zh, en;
};

std::vector<Row> read_table() {
  std::ifstream in(std::string(SDX_SOURCE_DIR) + "/data/tencent_codes.tsv");
  REQUIRE(in);
  std::vector<Row> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::stringstream fields(line);
    std::string e, s, zh, en;
    std::getline(fields, e, '\t');
    std::getline(fields, s, '\t');
    std::getline(fields, zh, '\t');
    std::getline(fields, en, '\t');
    rows.push_back({std::stoll(e), std::stoll(s), zh, en});
  }
  return rows;
}

}  // namespace

TEST_CASE("message-only resolution of every message in the table", "[classify][message_only]") {
  const std::vector<Row> rows = read_table();
  REQUIRE(rows.size() == 70);
  // Exact text -> the (errcode, sub_errcode) rows carrying it, per language.
  std::map<std::string, std::set<std::pair<int64_t, int64_t>>> by_text;
  for (const Row& row : rows) {
    for (const std::string* text : {&row.zh, &row.en}) {
      if (!text->empty()) by_text[*text].insert({row.errcode, row.sub_errcode});
    }
  }
  CodeTable table = CodeTable::builtin();
  Classifier classifier(table);
  size_t groups = 0;
  for (const auto& [text, codes] : by_text) {
    INFO(text);
    const Classification c = classifier.classify_message(text);
    if (codes.size() == 1) {
      CHECK(c.resolution == Resolution::from_message);
      CHECK(c.errcode == codes.begin()->first);
      CHECK(c.sub_errcode == codes.begin()->second);
      CHECK(c.errcode_known);
      CHECK(c.sub_errcode_known);
      CHECK(category_name(c.category) ==
            design_category(codes.begin()->first, codes.begin()->second));
      continue;
    }
    ++groups;
    std::set<std::string> categories;
    for (const auto& [e, s] : codes) categories.insert(design_category(e, s));
    // DESIGN: every group of identical messages in the built-in table shares one category.
    REQUIRE(categories.size() == 1);
    CHECK(c.resolution == Resolution::category_from_message);
    CHECK(category_name(c.category) == *categories.begin());
    CHECK_FALSE(c.errcode_known);
    CHECK_FALSE(c.sub_errcode_known);
    CHECK_FALSE(c.index);
  }
  CHECK(groups >= 5);  // 未知原因, 直播系统内部错误, 推流链路网络异常, ... and their English
}

TEST_CASE("message-only: spacing, case and full-width forms match too",
          "[classify][message_only]") {
  CodeTable table = CodeTable::builtin();
  Classifier classifier(table);
  auto shared = classifier.classify_message("  THE PUSH CLIENT STOPPED THE STREAM  ");
  CHECK(shared.resolution == Resolution::category_from_message);
  CHECK(category_name(shared.category) == "client_closed");
  auto unmatched = classifier.classify_message("某个新的断流原因");
  CHECK(unmatched.resolution == Resolution::unmatched_message);
  CHECK(category_name(unmatched.category) == "unknown");
  CHECK_FALSE(unmatched.errcode_known);
  CHECK_FALSE(unmatched.sub_errcode_known);
}

}  // namespace sdx
