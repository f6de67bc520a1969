// format: regex — the factory: compiles `regex` and `push_regex` and checks
// their group names (the parser: regex_parser.h).
#include <array>
#include <span>

#include "config/quoted.h"
#include "config/yaml_reader.h"
#include "parse/canonical_setting.h"
#include "parse/format.h"
#include "parse/regex_parser.h"

namespace sdx {
namespace {

constexpr std::array<std::string_view, 8> kDisconnectGroups = {
    "errcode", "sub_errcode", "errmsg", "domain", "app", "appid", "stream", "time"};
// A push has no code or message.
constexpr std::array<std::string_view, 5> kPushGroups = {"domain", "app", "appid", "stream",
                                                         "time"};

// Bounds each pattern's compiled program and DFA cache. Patterns that need
// more are refused at load; a full cache at run time only makes RE2 fall
// back to its slower NFA, never fail a match.
constexpr int64_t kRegexMaxMem = int64_t{8} << 20;

int* group_slot(RegexGroups& groups, std::string_view name) {
  if (name == "errcode") return &groups.errcode;
  if (name == "sub_errcode") return &groups.sub_errcode;
  if (name == "errmsg") return &groups.errmsg;
  if (name == "domain") return &groups.domain;
  if (name == "app") return &groups.app;
  if (name == "appid") return &groups.appid;
  if (name == "stream") return &groups.stream;
  if (name == "time") return &groups.time;
  return nullptr;
}

std::string list_names(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view name : names) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

// Compiles `value`'s pattern and maps its named groups, all of which must be
// in `allowed`.
std::unique_ptr<const RE2> compile(const YamlReader& reader, const Value& value,
                                   std::span<const std::string_view> allowed, RegexGroups& groups) {
  const std::string pattern = reader.string(value);
  if (pattern.empty()) reader.fail(value, value.what + " cannot be empty");
  RE2::Options options;
  options.set_log_errors(false);  // errors go into the config message, not to stderr
  options.set_max_mem(kRegexMaxMem);
  auto re = std::make_unique<const RE2>(pattern, options);
  if (!re->ok()) reader.fail(value, value.what + " is not a valid RE2 pattern: " + re->error());
  for (const auto& [number, name] : re->CapturingGroupNames()) {
    int* slot = std::find(allowed.begin(), allowed.end(), name) != allowed.end()
                    ? group_slot(groups, name)
                    : nullptr;
    if (slot == nullptr) {
      reader.fail(value, value.what + " has a group named " + sdx::quoted(name) +
                             " (expected one of: " + list_names(allowed) + ")");
    }
    // Debian's RE2 (2022-06) accepts a name twice; the first would silently win.
    if (*slot != 0) reader.fail(value, value.what + " names two groups " + sdx::quoted(name));
    *slot = number;
  }
  return re;
}

class RegexFormatSpec final : public FormatSpec {
 public:
  explicit RegexFormatSpec(std::shared_ptr<const RegexPatterns> patterns)
      : patterns_(std::move(patterns)) {}

  std::string canonical() const override {
    std::string out = "regex";
    append_setting(out, "regex", patterns_->disconnect->pattern());
    if (patterns_->push) append_setting(out, "push_regex", patterns_->push->pattern());
    return out;
  }

  std::unique_ptr<LineParser> make_parser(DimensionFields fields) const override {
    return std::make_unique<RegexParser>(patterns_, fields);
  }

 private:
  std::shared_ptr<const RegexPatterns> patterns_;
};

std::shared_ptr<const FormatSpec> read_regex(const YamlReader& reader, const MapFields& source) {
  auto patterns = std::make_shared<RegexPatterns>();
  bool ok = reader.attempt([&] {
    const Value& value = source.require("regex");
    patterns->disconnect = compile(reader, value, kDisconnectGroups, patterns->disconnect_groups);
    if (patterns->disconnect_groups.errcode == 0) {
      reader.fail(value, value.what + " has no group named errcode: capture the code with " +
                             "(?P<errcode>[0-9]+)");
    }
  });
  if (const Value* value = source.find("push_regex")) {
    ok &= reader.attempt(
        [&] { patterns->push = compile(reader, *value, kPushGroups, patterns->push_groups); });
  }
  if (!ok) return nullptr;
  return std::make_shared<RegexFormatSpec>(std::move(patterns));
}

}  // namespace

extern const FormatFactory kRegexFormat{"regex", {"regex", "push_regex"}, read_regex};

}  // namespace sdx
