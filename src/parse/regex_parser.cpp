#include "parse/regex_parser.h"

#include <algorithm>

#include <simdjson.h>

#include "parse/number_text.h"

namespace sdx {
namespace {

int submatches(const RegexGroups& groups, DimensionFields fields) {
  int highest = std::max({groups.errcode, groups.sub_errcode, groups.errmsg, groups.time});
  if (fields.domain) highest = std::max(highest, groups.domain);
  if (fields.app) highest = std::max(highest, groups.app);
  if (fields.appid) highest = std::max(highest, groups.appid);
  if (fields.stream) highest = std::max(highest, groups.stream);
  return highest + 1;
}

bool search(const RE2& pattern, std::string_view line, re2::StringPiece* captures, int count) {
  return pattern.Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED,
                       captures, count);
}

bool valid_utf8(std::string_view text) {
  return text.empty() || simdjson::validate_utf8(text.data(), text.size());
}

}  // namespace

RegexParser::RegexParser(std::shared_ptr<const RegexPatterns> patterns, DimensionFields fields)
    : patterns_(std::move(patterns)), fields_(fields) {
  disconnect_submatches_ = submatches(patterns_->disconnect_groups, fields_);
  push_submatches_ = patterns_->push ? submatches(patterns_->push_groups, fields_) : 1;
  captures_.resize(std::max(disconnect_submatches_, push_submatches_));
}

std::string_view RegexParser::capture(int group) const {
  if (group == 0) return {};  // not in the pattern
  const re2::StringPiece& piece = captures_[group];
  return {piece.data(), piece.size()};  // empty when the group did not take part
}

// Dimensions (only those the labels use) and time, which pushes carry too.
ParseError RegexParser::read_shared_fields(const RegexGroups& groups, Event& out) const {
  if (fields_.domain) out.domain = capture(groups.domain);
  if (fields_.app) out.app = capture(groups.app);
  if (fields_.appid) out.appid = capture(groups.appid);
  if (fields_.stream) out.stream = capture(groups.stream);
  // `\C` (any byte) can capture half a character: label values must be UTF-8.
  if (!valid_utf8(out.domain) || !valid_utf8(out.app) || !valid_utf8(out.appid) ||
      !valid_utf8(out.stream) || !valid_utf8(out.errmsg)) {
    return ParseError::invalid_utf8;
  }
  if (const std::string_view time = capture(groups.time); !time.empty()) {
    const std::optional<int64_t> seconds = unix_seconds_from_text(time);
    if (!seconds) return ParseError::wrong_type;
    out.event_time = *seconds;
  }
  return ParseError::none;
}

ParseError RegexParser::parse(std::string_view line, Event& out) {
  out = Event{};
  const RegexPatterns& patterns = *patterns_;
  if (patterns.push && search(*patterns.push, line, captures_.data(), push_submatches_)) {
    out.kind = Event::Kind::push;
    return read_shared_fields(patterns.push_groups, out);
  }
  if (!search(*patterns.disconnect, line, captures_.data(), disconnect_submatches_)) {
    if (!valid_utf8(line)) return ParseError::invalid_utf8;
    out.kind = Event::Kind::other;  // an unrelated line: filtered, not an error
    return ParseError::none;
  }
  const RegexGroups& groups = patterns.disconnect_groups;
  const std::string_view errcode = capture(groups.errcode);
  if (errcode.empty()) return ParseError::missing_field;  // e.g. `(?P<errcode>\d+)?` unmatched
  const std::optional<int64_t> code = parse_integer_text(errcode);
  if (!code) return ParseError::wrong_type;
  out.errcode = *code;
  if (const std::string_view sub = capture(groups.sub_errcode); !sub.empty()) {
    const std::optional<int64_t> sub_code = parse_integer_text(sub);
    if (!sub_code) return ParseError::wrong_type;
    out.sub_errcode = *sub_code;
  }
  out.errmsg = capture(groups.errmsg);
  if (const ParseError error = read_shared_fields(groups, out); error != ParseError::none) {
    return error;
  }
  out.kind = Event::Kind::disconnect;
  return ParseError::none;
}

}  // namespace sdx
