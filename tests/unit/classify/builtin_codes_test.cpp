#include "classify/builtin_codes.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "classify/code_table.h"

namespace sdx {
namespace {

// One row of data/tencent_codes.tsv (or of a ../shared reference file, where
// only one of the messages is set).
struct ContractRow {
  int64_t errcode;
  int64_t sub_errcode;
  std::string message_zh;
  std::string message_en;
};

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> cells;
  std::string cell;
  for (char c : line) {
    if (c == sep) {
      cells.push_back(cell);
      cell.clear();
    } else {
      cell.push_back(c);
    }
  }
  cells.push_back(cell);
  return cells;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// [a-z][a-z0-9]* words joined by single underscores. (No std::regex: GCC 12
// warns inside it under sanitizers, which -Werror turns into a failed build.)
bool is_snake_case(const std::string& s) {
  if (s.empty() || s.front() < 'a' || s.front() > 'z' || s.back() == '_') return false;
  char previous = 0;
  for (char c : s) {
    const bool word_char = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!word_char && c != '_') return false;
    if (c == '_' && previous == '_') return false;
    previous = c;
  }
  return true;
}

// The repository's table: '#' comment lines, a header, then
// errcode<TAB>sub_errcode<TAB>message_zh<TAB>message_en.
std::vector<ContractRow> read_table_rows() {
  std::ifstream in(SDX_SOURCE_DIR "/data/tencent_codes.tsv");
  REQUIRE(in.good());
  std::vector<ContractRow> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> cells = split(line, '\t');
    REQUIRE(cells.size() == 4);
    if (header) {
      CHECK(cells ==
            std::vector<std::string>{"errcode", "sub_errcode", "message_zh", "message_en"});
      header = false;
      continue;
    }
    REQUIRE(all_digits(cells[0]));
    REQUIRE(all_digits(cells[1]));
    rows.push_back({std::stoll(cells[0]), std::stoll(cells[1]), cells[2], cells[3]});
  }
  return rows;
}

// ../shared, the project's reference material: next to a development checkout,
// absent from a clone. Tests that compare against it skip when it is missing.
bool shared_dir_present() {
  std::ifstream in(SDX_SHARED_DIR "/seed/000_d8641c82c21c3292.txt");
  return in.good();
}

// The markdown table of the seed file: `| 18 | 202 | 账号欠费... |`.
std::vector<ContractRow> read_seed_rows() {
  std::ifstream in(SDX_SHARED_DIR "/seed/000_d8641c82c21c3292.txt");
  REQUIRE(in.good());
  std::vector<ContractRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line.front() != '|') continue;
    std::vector<std::string> cells = split(line, '|');
    // "| a | b | c |" splits into "", a, b, c, "".
    REQUIRE(cells.size() == 5);
    const std::string errcode = trim(cells[1]);
    const std::string sub = trim(cells[2]);
    if (!all_digits(errcode)) continue;  // header and separator rows
    REQUIRE(all_digits(sub));
    rows.push_back({std::stoll(errcode), std::stoll(sub), trim(cells[3]), ""});
  }
  return rows;
}

std::vector<ContractRow> read_english_rows() {
  std::ifstream in(SDX_SHARED_DIR "/facts/interruption_reasons_en.tsv");
  REQUIRE(in.good());
  std::vector<ContractRow> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> cells = split(line, '\t');
    REQUIRE(cells.size() == 3);
    rows.push_back({std::stoll(cells[0]), std::stoll(cells[1]), "", cells[2]});
  }
  return rows;
}

// DESIGN.md's category table, encoded independently of builtin_codes.cpp as
// ranges of errcode and sub_errcode (both inclusive).
struct DesignRange {
  Category category;
  int64_t errcode_lo, errcode_hi;
  int64_t sub_lo, sub_hi;
};
const DesignRange kDesignCategories[] = {
    {Category::client_closed, 1, 4, 0, 0},
    {Category::client_closed, 35, 35, 0, 0},
    {Category::network, 12, 17, 0, 0},
    {Category::idle, 8, 8, 0, 0},
    {Category::idle, 20, 20, 0, 0},
    {Category::idle, 37, 37, 0, 0},
    {Category::protocol_error, 6, 6, 0, 0},
    {Category::protocol_error, 23, 23, 0, 0},
    {Category::protocol_error, 33, 33, 0, 0},
    {Category::media_limit, 7, 7, 0, 0},
    {Category::media_limit, 39, 39, 0, 0},
    {Category::internal_error, 5, 5, 0, 0},
    {Category::internal_error, 9, 9, 0, 0},
    {Category::internal_error, 11, 11, 0, 0},
    {Category::internal_error, 24, 24, 0, 0},
    {Category::internal_error, 38, 38, 0, 0},
    {Category::internal_error, 18, 18, 100, 104},
    {Category::proxy_command, 10, 10, 0, 0},
    {Category::account, 18, 18, 200, 201},
    {Category::account, 18, 18, 203, 203},
    {Category::arrears, 18, 18, 202, 202},
    {Category::push_url_invalid, 18, 18, 300, 302},
    {Category::push_url_invalid, 18, 18, 306, 309},
    {Category::banned, 18, 18, 303, 305},
    {Category::ip_acl, 18, 18, 400, 401},
    {Category::auth, 18, 18, 500, 503},
    {Category::auth, 19, 19, 0, 0},
    {Category::quota, 18, 18, 600, 602},
    {Category::api_request, 21, 21, 100, 101},
    {Category::replaced, 21, 21, 102, 103},
    {Category::push_rejected, 18, 18, 0, 0},
    {Category::stream_control, 21, 21, 0, 0},
    {Category::unknown, 0, 0, 0, 0},
    {Category::unknown, 22, 22, 0, 0},
    {Category::unknown, 25, 32, 0, 0},
    {Category::unknown, 34, 34, 0, 0},
    {Category::unknown, 36, 36, 0, 0},
};

// The one category DESIGN gives a pair; fails when none or several do.
Category design_category(int64_t errcode, int64_t sub) {
  std::vector<Category> found;
  for (const DesignRange& r : kDesignCategories) {
    if (errcode >= r.errcode_lo && errcode <= r.errcode_hi && sub >= r.sub_lo && sub <= r.sub_hi) {
      found.push_back(r.category);
    }
  }
  REQUIRE(found.size() == 1);
  return found.front();
}

}  // namespace

TEST_CASE("every data/tencent_codes.tsv row is built in with both messages and DESIGN's category",
          "[classify]") {
  const std::vector<ContractRow> rows = read_table_rows();
  REQUIRE(rows.size() == 70);
  const CodeTable table = CodeTable::builtin();
  std::set<std::pair<int64_t, int64_t>> pairs;
  for (const ContractRow& row : rows) {
    INFO(row.errcode << "/" << row.sub_errcode);
    REQUIRE(pairs.emplace(row.errcode, row.sub_errcode).second);
    auto index = table.find(row.errcode, row.sub_errcode);
    REQUIRE(index);
    const CodeEntry& entry = table.at(*index);
    CHECK(entry.errcode == row.errcode);
    CHECK(entry.sub_errcode == row.sub_errcode);
    CHECK(entry.message_zh == row.message_zh);
    CHECK(entry.message_en == row.message_en);
    CHECK(entry.category == design_category(row.errcode, row.sub_errcode));
  }
}

TEST_CASE("data/tencent_codes.tsv equals ../shared's seed table and English table", "[classify]") {
  if (!shared_dir_present()) {
    WARN("skipped: ../shared not present (" SDX_SHARED_DIR ")");
    return;
  }
  const std::vector<ContractRow> rows = read_table_rows();
  const std::vector<ContractRow> seed = read_seed_rows();
  const std::vector<ContractRow> english = read_english_rows();
  REQUIRE(seed.size() == rows.size());
  REQUIRE(english.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i << ": " << rows[i].errcode << "/" << rows[i].sub_errcode);
    // Same pairs in the same order in all three.
    CHECK(seed[i].errcode == rows[i].errcode);
    CHECK(seed[i].sub_errcode == rows[i].sub_errcode);
    CHECK(english[i].errcode == rows[i].errcode);
    CHECK(english[i].sub_errcode == rows[i].sub_errcode);
    CHECK(seed[i].message_zh == rows[i].message_zh);
    CHECK(english[i].message_en == rows[i].message_en);
  }
}

TEST_CASE("built-in table is the data file's plus exactly the 18/0 and 21/0 fallbacks",
          "[classify]") {
  const std::vector<CodeEntry>& entries = builtin_code_entries();
  REQUIRE(entries.size() == 72);
  std::set<std::pair<int64_t, int64_t>> table_pairs;
  for (const ContractRow& row : read_table_rows())
    table_pairs.emplace(row.errcode, row.sub_errcode);
  std::set<std::pair<int64_t, int64_t>> extra;
  for (const CodeEntry& entry : entries) {
    if (!table_pairs.count({entry.errcode, entry.sub_errcode})) {
      extra.emplace(entry.errcode, entry.sub_errcode);
    }
  }
  CHECK(extra == std::set<std::pair<int64_t, int64_t>>{{18, 0}, {21, 0}});
  for (const CodeEntry& entry : entries) {
    INFO(entry.errcode << "/" << entry.sub_errcode);
    CHECK(entry.category == design_category(entry.errcode, entry.sub_errcode));
  }

  const CodeTable table = CodeTable::builtin();
  const CodeEntry& rejected = table.at(*table.find(18, 0));
  CHECK(rejected.category == Category::push_rejected);
  CHECK(rejected.reason == "push_rejected_unspecified");
  CHECK(rejected.message_en == "Push rejected at the access checks; the sub-code was not given.");
  CHECK(rejected.message_zh == "推流被接入检查拒绝（未提供子错误码）");
  CHECK(rejected.message_aliases.empty());
  const CodeEntry& control = table.at(*table.find(21, 0));
  CHECK(control.category == Category::stream_control);
  CHECK(control.reason == "stream_control_unspecified");
  CHECK(control.message_en == "Stream stopped by a control action; the sub-code was not given.");
  CHECK(control.message_zh == "推流被控制操作停止（未提供子错误码）");
  CHECK(control.message_aliases.empty());
}

TEST_CASE("reason slugs are unique snake_case", "[classify]") {
  CHECK(is_snake_case("account_arrears"));
  CHECK(is_snake_case("internal_error_100"));
  CHECK_FALSE(is_snake_case("Account_arrears"));
  CHECK_FALSE(is_snake_case("account__arrears"));
  CHECK_FALSE(is_snake_case("account-arrears"));
  CHECK_FALSE(is_snake_case("_account"));
  CHECK_FALSE(is_snake_case("account_"));
  CHECK_FALSE(is_snake_case("1account"));
  std::set<std::string> seen;
  for (const CodeEntry& entry : builtin_code_entries()) {
    INFO(entry.errcode << "/" << entry.sub_errcode << " " << entry.reason);
    CHECK(is_snake_case(entry.reason));
    CHECK(seen.insert(entry.reason).second);
    // "unlisted_code" and "unmatched_message" are the reasons of codes not in the table.
    CHECK(entry.reason != "unlisted_code");
    CHECK(entry.reason != "unmatched_message");
  }
  CHECK(CodeTable::builtin().at(*CodeTable::builtin().find(18, 202)).reason == "account_arrears");
}

TEST_CASE("legacy errmsg strings are aliases of their codes", "[classify]") {
  const CodeTable table = CodeTable::builtin();
  auto has_alias = [&](int64_t errcode, int64_t sub, const std::string& alias) {
    const CodeEntry& entry = table.at(*table.find(errcode, sub));
    for (const std::string& a : entry.message_aliases) {
      if (a == alias) return true;
    }
    return false;
  };
  CHECK(has_alias(1, 0, "recv rtmp deleteStream"));
  CHECK(has_alias(2, 0, "recv rtmp closeStream"));
  CHECK(has_alias(3, 0, "recv() return 0"));
  CHECK(has_alias(4, 0, "recv() return error"));
  CHECK(has_alias(7, 0, "rtmp message large than 1M"));
  CHECK(has_alias(19, 0, "3rdparty auth failed"));
  // 18's legacy text names no sub-code: it must not pin any 18 row.
  for (const CodeEntry& entry : table.entries()) {
    for (const std::string& alias : entry.message_aliases) {
      CHECK(alias != "push url maybe invalid");
    }
  }
}

}  // namespace sdx
