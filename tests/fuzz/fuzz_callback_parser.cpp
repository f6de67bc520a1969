// TencentCallbackParser, then the classifier, on arbitrary bytes.
//
// The line is parsed twice, once followed by zeroed padding and once by
// digits: the padding is read-ahead room only, so what it holds must not
// change the answer (a number at the end of a line must not run on into it).
// Accepted events must carry valid UTF-8 text. The classifier then resolves
// the event and, to reach message matching with any bytes at all, the raw
// input as an errmsg of 18 and 21 and as a records-API StopReason; every
// answer must name a table row consistent with the codes it returns.
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "classify/classifier.h"
#include "classify/code_table.h"
#include "classify/message_normalizer.h"
#include "fuzz_target.h"
#include "parse/callback_parser.h"

namespace {

// An Event with owned text: the views die with the next parse.
struct Parsed {
  sdx::ParseError error = sdx::ParseError::none;
  sdx::Event::Kind kind = sdx::Event::Kind::other;
  int64_t errcode = 0;
  std::optional<int64_t> sub_errcode;
  std::string errmsg, domain, app, appid, stream;
  int64_t event_time = 0;
  bool operator==(const Parsed&) const = default;
};

bool valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

Parsed parse(sdx::TencentCallbackParser& parser, std::string_view input, char fill) {
  auto buffer = std::make_unique<char[]>(input.size() + sdx::kLinePadding);
  if (!input.empty()) std::memcpy(buffer.get(), input.data(), input.size());
  std::memset(buffer.get() + input.size(), fill, sdx::kLinePadding);
  sdx::Event event;
  Parsed out;
  out.error = parser.parse(std::string_view(buffer.get(), input.size()), event);
  if (out.error != sdx::ParseError::none) return out;  // `event` is unspecified then
  for (std::string_view text : {event.errmsg, event.domain, event.app, event.appid, event.stream}) {
    SDX_FUZZ_CHECK(valid_utf8(text));
  }
  out.kind = event.kind;
  out.errcode = event.errcode;
  out.sub_errcode = event.sub_errcode;
  out.errmsg = event.errmsg;
  out.domain = event.domain;
  out.app = event.app;
  out.appid = event.appid;
  out.stream = event.stream;
  out.event_time = event.event_time;
  return out;
}

const sdx::CodeTable& table() {
  static const sdx::CodeTable table = sdx::CodeTable::builtin();
  return table;
}

// A listed answer names a row holding exactly the codes it reports.
void check_row(const sdx::Classification& c) {
  const bool listed = c.resolution != sdx::Resolution::unlisted &&
                      c.resolution != sdx::Resolution::unmatched_message &&
                      c.resolution != sdx::Resolution::category_from_message;
  SDX_FUZZ_CHECK(c.index.has_value() == listed);
  // Only a shared-category match leaves a code unknown, and it names a category.
  SDX_FUZZ_CHECK((c.errcode_known && c.sub_errcode_known) ||
                 c.resolution == sdx::Resolution::category_from_message ||
                 c.resolution == sdx::Resolution::unmatched_message);
  if (c.resolution == sdx::Resolution::category_from_message) {
    SDX_FUZZ_CHECK(c.category != sdx::Category::unknown);
  }
  if (!c.index) return;
  SDX_FUZZ_CHECK(c.category == table().at(*c.index).category);
  SDX_FUZZ_CHECK(*c.index < table().size());
  const sdx::CodeEntry& entry = table().at(*c.index);
  SDX_FUZZ_CHECK(entry.errcode == c.errcode && entry.sub_errcode == c.sub_errcode);
}

void check_classify(const sdx::Classifier& classifier, int64_t errcode,
                    std::optional<int64_t> sub_errcode, std::string_view errmsg) {
  const sdx::Classification c = classifier.classify(errcode, sub_errcode, errmsg);
  check_row(c);
  SDX_FUZZ_CHECK(c.errcode == errcode);
  SDX_FUZZ_CHECK(c.resolution != sdx::Resolution::unmatched_message);
  if (c.resolution == sdx::Resolution::from_message) SDX_FUZZ_CHECK(c.sub_errcode != 0);
  if (c.resolution == sdx::Resolution::fallback) SDX_FUZZ_CHECK(c.sub_errcode == 0);
  // An explicit sub-code is used as is (0 only counts as absent for 18/21-like codes).
  if (sub_errcode && *sub_errcode != 0) {
    SDX_FUZZ_CHECK(c.sub_errcode == *sub_errcode);
    SDX_FUZZ_CHECK(c.resolution == sdx::Resolution::table ||
                   c.resolution == sdx::Resolution::unlisted);
  }
}

void check_classify_message(const sdx::Classifier& classifier, std::string_view message) {
  const sdx::Classification c = classifier.classify_message(message);
  check_row(c);
  SDX_FUZZ_CHECK(c.resolution == sdx::Resolution::from_message ||
                 c.resolution == sdx::Resolution::unmatched_message ||
                 c.resolution == sdx::Resolution::category_from_message);
}

// The normal form: valid UTF-8, no ASCII upper case, punctuation or spaces,
// and normalising it again changes nothing.
void check_normalized(std::string_view message) {
  const std::string normal = sdx::normalize_message(message);
  SDX_FUZZ_CHECK(valid_utf8(normal));
  for (char ch : normal) {
    const auto c = static_cast<unsigned char>(ch);
    SDX_FUZZ_CHECK(c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'));
  }
  SDX_FUZZ_CHECK(sdx::normalize_message(normal) == normal);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Long-lived like the daemon's, so state left over from an earlier line shows.
  static sdx::TencentCallbackParser zero_padded_parser;
  static sdx::TencentCallbackParser digit_padded_parser;
  static const sdx::Classifier classifier(table());

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Parsed parsed = parse(zero_padded_parser, input, '\0');
  SDX_FUZZ_CHECK(parse(digit_padded_parser, input, '9') == parsed);

  if (parsed.error == sdx::ParseError::none) {
    check_classify(classifier, parsed.errcode, parsed.sub_errcode, parsed.errmsg);
    check_classify_message(classifier, parsed.errmsg);
  }
  check_classify(classifier, 18, std::nullopt, input);
  check_classify(classifier, 21, std::nullopt, input);
  check_classify_message(classifier, input);
  check_normalized(input);
  return 0;
}
