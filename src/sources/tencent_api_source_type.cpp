// type: tencent_api — the factory: its keys and the TencentApiSource it
// makes (tencent_api_source.h).
#include <optional>

#include "config/duration.h"
#include "config/quoted.h"
#include "config/yaml_reader.h"
#include "sources/source_factory.h"
#include "sources/tencent_api_credentials.h"
#include "sources/tencent_api_source.h"

namespace sdx {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kMinInterval{100};
constexpr milliseconds kMaxInterval{milliseconds(86400000)};
constexpr milliseconds kMaxLag{milliseconds(86400000)};
constexpr milliseconds kMaxLookback{milliseconds(kApiHistorySeconds * 1000)};

class TencentApiSpec final : public SourceSpec {
 public:
  TencentApiOptions options;

  std::string canonical() const override {
    // The secrets enter only as a hash: a changed key file restarts the
    // source on reload, and the text holds no secret.
    return identity() + "\ninterval=" + std::to_string(options.interval.count()) +
           "\nlag=" + std::to_string(options.lag_seconds) +
           "\nlookback=" + std::to_string(options.lookback_seconds) +
           "\nmax_pages=" + std::to_string(options.max_pages) + "\ncredentials=" +
           sha256_hex(options.credentials.secret_id + "\n" + options.credentials.secret_key);
  }
  std::string identity() const override { return TencentApiSource::identity_of(options); }
};

// host[:port] of an http(s) URL without a path (the API is served at "/").
std::string read_endpoint(const YamlReader& reader, const Value& value, std::string& host) {
  const std::string url = reader.string(value);
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    reader.fail(value, value.what + " must be an https:// (or http://) URL, got " + quoted(url));
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    reader.fail(value, value.what + " must be a URL with a host and no path, got " + quoted(url));
  }
  host = std::string(rest);
  return url;
}

// "0", "0s", "00ms", ...
bool is_zero(std::string_view text) {
  const size_t unit = text.find_first_not_of('0');
  if (unit == 0) return false;
  const std::string_view rest = unit == std::string_view::npos ? "" : text.substr(unit);
  return rest.empty() || rest == "ms" || rest == "s" || rest == "m" || rest == "h";
}

milliseconds read_duration(const YamlReader& reader, const Value& value, milliseconds min,
                           milliseconds max, bool zero_allowed) {
  const std::string text = reader.string(value);
  // parse_duration refuses zero (a period must elapse); a lag may be none.
  if (zero_allowed && is_zero(text)) return milliseconds(0);
  std::string error;
  std::optional<milliseconds> duration = parse_duration(text, error);
  if (!duration) reader.fail(value, value.what + ": " + error);
  if (*duration < min || *duration > max) {
    reader.fail(value, value.what + " must be between " + std::to_string(min.count()) + "ms and " +
                           std::to_string(max.count() / 3600000) + "h, got " + quoted(text));
  }
  return *duration;
}

int64_t whole_seconds(const YamlReader& reader, const Value& value, milliseconds duration) {
  if (duration.count() % 1000 != 0) {
    reader.fail(value, value.what + " must be whole seconds (the API's times are in seconds)");
  }
  return duration.count() / 1000;
}

std::shared_ptr<const SourceSpec> read_tencent_api_spec(const YamlReader& reader,
                                                        const MapFields& fields) {
  auto spec = std::make_shared<TencentApiSpec>();
  TencentApiOptions& options = spec->options;
  auto read = [&](std::string_view key, auto&& apply) {
    if (const Value* value = fields.find(key)) reader.attempt([&] { apply(*value); });
  };
  options.host = "live.tencentcloudapi.com";
  read("endpoint",
       [&](const Value& v) { options.endpoint = read_endpoint(reader, v, options.host); });
  reader.attempt([&] {
    options.credentials =
        read_api_credentials(reader, fields.find("credentials_file"), fields.require("type"));
  });
  read("domain", [&](const Value& v) { options.filters.domain = reader.string(v); });
  read("app", [&](const Value& v) { options.filters.app = reader.string(v); });
  read("stream", [&](const Value& v) { options.filters.stream = reader.string(v); });
  read("interval", [&](const Value& v) {
    options.interval = read_duration(reader, v, kMinInterval, kMaxInterval, false);
  });
  read("lag", [&](const Value& v) {
    options.lag_seconds =
        whole_seconds(reader, v, read_duration(reader, v, milliseconds(1000), kMaxLag, true));
  });
  read("lookback", [&](const Value& v) {
    options.lookback_seconds =
        whole_seconds(reader, v, read_duration(reader, v, milliseconds(1000), kMaxLookback, false));
  });
  read("max_pages", [&](const Value& v) {
    const int64_t pages = reader.integer(v);
    if (pages < 1 || pages > 10000) {
      reader.fail(v, v.what + " must be between 1 and 10000, got " + std::to_string(pages));
    }
    options.max_pages = static_cast<int>(pages);
  });
  return spec;
}

std::unique_ptr<Source> create_tencent_api_source(const SourceSpec& spec,
                                                  const SourceContext& context, LineSink& sink) {
  TencentApiOptions options = static_cast<const TencentApiSpec&>(spec).options;
  options.name = context.name;
  return std::make_unique<TencentApiSource>(std::move(options), sink);
}

}  // namespace

extern const SourceFactory kTencentApiSourceType{
    "tencent_api",
    {"endpoint", "credentials_file", "domain", "app", "stream", "interval", "lag", "lookback",
     "max_pages"},
    "tencent_api_record",
    read_tencent_api_spec,
    create_tencent_api_source};

}  // namespace sdx
