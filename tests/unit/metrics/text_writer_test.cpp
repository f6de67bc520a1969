#include "metrics/text_writer.h"

#include <catch2/catch.hpp>

TEST_CASE("text writer escapes label values and writes integer values", "[metrics]") {
  std::string out;
  sdx::TextWriter writer(out);
  writer.family("m_total", "Help.", "counter");
  writer.begin_sample("m_total");
  writer.label("stream", "a\"b\\c\nd");
  writer.label("category", "arrears");
  writer.end_sample(18446744073709551615ULL);
  writer.begin_sample("m_total");
  writer.end_sample(0);
  CHECK(out ==
        "# HELP m_total Help.\n# TYPE m_total counter\n"
        "m_total{stream=\"a\\\"b\\\\c\\nd\",category=\"arrears\"} 18446744073709551615\n"
        "m_total 0\n");
}
