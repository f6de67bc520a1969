// type: webhook — the factory: its keys and the WebhookSource it makes
// (webhook_source.h).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/byte_size.h"
#include "config/duration.h"
#include "config/quoted.h"
#include "config/yaml_reader.h"
#include "sources/source_factory.h"
#include "sources/tc3_signer.h"
#include "sources/webhook_source.h"

namespace sdx {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class WebhookSpec final : public SourceSpec {
 public:
  WebhookOptions options;

  std::string canonical() const override {
    const WebhookOptions& o = options;
    std::ostringstream text;
    // The key enters only as a hash: a changed key restarts the source on
    // reload, and the text holds no secret.
    text << identity() << "\ntencent=" << o.rules.tencent_callback
         << "\nkey=" << (o.rules.sign_key.empty() ? "" : sha256_hex(o.rules.sign_key))
         << "\ngrace=" << o.rules.expiry_grace.count() << "\nmax_body=" << o.max_body_bytes
         << "\nmax_connections=" << o.max_connections
         << "\ntls=" << (o.tls ? sha256_hex(o.tls->cert_pem + o.tls->key_pem) : "")
         << "\nspool_dir=" << o.spool_dir << "\nspool_max=" << o.spool_max_bytes
         << "\nspool_keep=" << o.spool_keep_files << "\nfsync=" << o.fsync
         << "\ndedup_window=" << o.dedup_window.count() << "\ndedup_max=" << o.dedup_max_keys;
    return text.str();
  }
  std::string identity() const override {
    return WebhookSource::identity_of(options.listen, options.path);
  }
};

std::string read_listen(const YamlReader& reader, const Value& value) {
  const std::string listen = reader.string(value);
  const std::optional<ListenAddress> address = parse_listen_address(listen);
  if (!address || address->port.empty()) {
    reader.fail(
        value, value.what + " must be HOST:PORT, :PORT or [IPv6]:PORT, got " + sdx::quoted(listen));
  }
  return listen;
}

std::string read_path(const YamlReader& reader, const Value& value) {
  const std::string path = reader.string(value);
  if (!path.starts_with('/') || path.find_first_of("?# ") != std::string::npos) {
    reader.fail(value,
                value.what + " must be a URL path starting with /, got " + sdx::quoted(path));
  }
  return path;
}

// A file's whole text; `what` names it in messages. Secrets must not be
// readable by group or others.
std::string read_text_file(const YamlReader& reader, const Value& value, std::string_view what,
                           bool secret) {
  const std::string path = reader.string(value);
  if (path.empty()) reader.fail(value, value.what + " is an empty path");
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    reader.fail(value, "cannot read " + std::string(what) + " " + sdx::quoted(path) + ": " +
                           std::strerror(errno));
  }
  if (secret && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    reader.fail(value, std::string(what) + " " + sdx::quoted(path) +
                           " is accessible by group or others (mode " + mode + "): run chmod 600 " +
                           path);
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    reader.fail(value, "cannot read " + std::string(what) + " " + sdx::quoted(path) + ": " +
                           std::strerror(errno));
  }
  return text.str();
}

std::string trim(std::string text) {
  const size_t end = text.find_last_not_of(" \t\r\n");
  text.erase(end == std::string::npos ? 0 : end + 1);
  const size_t begin = text.find_first_not_of(" \t\r\n");
  return begin == std::string::npos ? std::string() : text.substr(begin);
}

seconds read_seconds(const YamlReader& reader, const Value& value, bool zero_allowed) {
  const std::string text = reader.string(value);
  if (zero_allowed && (text == "0" || text == "0s" || text == "0m")) return seconds(0);
  std::string error;
  std::optional<milliseconds> duration = parse_duration(text, error);
  if (!duration) reader.fail(value, value.what + ": " + error);
  if (duration->count() % 1000 != 0 || *duration > std::chrono::hours(24 * 7)) {
    reader.fail(value,
                value.what + " must be whole seconds, at most 168h, got " + sdx::quoted(text));
  }
  return std::chrono::duration_cast<seconds>(*duration);
}

uint64_t read_size(const YamlReader& reader, const Value& value, uint64_t min, uint64_t max) {
  std::string text = reader.string(value);
  std::string error;
  std::optional<uint64_t> size = parse_byte_size(text, error);
  if (!size) reader.fail(value, value.what + ": " + error);
  if (*size < min || *size > max) {
    reader.fail(value, value.what + " must be between " + std::to_string(min) + " and " +
                           std::to_string(max) + " bytes, got " + sdx::quoted(text));
  }
  return *size;
}

int64_t read_count(const YamlReader& reader, const Value& value, int64_t min, int64_t max) {
  const int64_t count = reader.integer(value);
  if (count < min || count > max) {
    reader.fail(value, value.what + " must be between " + std::to_string(min) + " and " +
                           std::to_string(max) + ", got " + std::to_string(count));
  }
  return count;
}

bool read_bool(const YamlReader& reader, const Value& value) {
  if (reader.kind(value) != ScalarKind::boolean) {
    reader.fail(value, value.what + " must be true or false, got " + reader.describe(value));
  }
  return value.node.as<bool>();
}

HttpTlsSettings read_tls(const YamlReader& reader, const Value& value) {
  const MapFields tls = reader.fields(value, "in " + value.what);
  static constexpr std::string_view kKeys[] = {"cert_file", "key_file"};
  tls.refuse_unknown(kKeys);
  HttpTlsSettings settings;
  reader.attempt([&] {
    settings.cert_pem = read_text_file(reader, tls.require("cert_file"), "certificate", false);
  });
  reader.attempt([&] {
    settings.key_pem = read_text_file(reader, tls.require("key_file"), "private key", true);
  });
  return settings;
}

std::shared_ptr<const SourceSpec> read_webhook_spec(const YamlReader& reader,
                                                    const MapFields& fields) {
  auto spec = std::make_shared<WebhookSpec>();
  WebhookOptions& o = spec->options;
  auto read = [&](std::string_view key, auto&& apply) {
    if (const Value* value = fields.find(key)) reader.attempt([&] { apply(*value); });
  };
  reader.attempt([&] { o.listen = read_listen(reader, fields.require("listen")); });
  read("path", [&](const Value& v) { o.path = read_path(reader, v); });
  if (const Value* format = fields.find("format")) {
    reader.attempt(
        [&] { o.rules.tencent_callback = reader.string(*format) == "tencent_callback"; });
  }
  const Value* key = fields.find("sign_key");
  const Value* key_file = fields.find("sign_key_file");
  if (key && key_file) {
    reader.attempt(
        [&] { reader.fail(*key_file, "sign_key and sign_key_file are both set; keep one"); });
  } else if (key) {
    reader.attempt([&] {
      o.rules.sign_key = reader.string(*key);
      if (o.rules.sign_key.empty()) reader.fail(*key, key->what + " is empty");
    });
  } else if (key_file) {
    reader.attempt([&] {
      o.rules.sign_key = trim(read_text_file(reader, *key_file, "sign key file", true));
      if (o.rules.sign_key.empty()) {
        reader.fail(*key_file,
                    "sign key file " + sdx::quoted(reader.string(*key_file)) + " is empty");
      }
    });
  }
  read("expiry_grace",
       [&](const Value& v) { o.rules.expiry_grace = read_seconds(reader, v, true); });
  read("max_body_bytes",
       [&](const Value& v) { o.max_body_bytes = read_size(reader, v, 256, uint64_t{16} << 20); });
  read("max_connections",
       [&](const Value& v) { o.max_connections = read_count(reader, v, 1, 100000); });
  read("tls", [&](const Value& v) { o.tls = read_tls(reader, v); });
  read("spool_dir", [&](const Value& v) {
    o.spool_dir = reader.string(v);
    if (o.spool_dir.empty()) reader.fail(v, v.what + " is an empty path");
  });
  read("spool_max_bytes",
       [&](const Value& v) { o.spool_max_bytes = read_size(reader, v, 4096, uint64_t{1} << 40); });
  read("spool_keep_files",
       [&](const Value& v) { o.spool_keep_files = read_count(reader, v, 1, 100000); });
  read("fsync", [&](const Value& v) { o.fsync = read_bool(reader, v); });
  read("dedup_window", [&](const Value& v) { o.dedup_window = read_seconds(reader, v, false); });
  read("dedup_max_keys",
       [&](const Value& v) { o.dedup_max_keys = read_count(reader, v, 1, 10000000); });
  return spec;
}

std::string default_spool_dir(const SourceContext& context) {
  if (!context.state_file.empty()) {
    const std::filesystem::path state(context.state_file);
    return (state.parent_path() / ("webhook-spool-" + context.name)).string();
  }
  // Without a state file nothing survives a restart anyway.
  return (std::filesystem::temp_directory_path() /
          ("stream_disconnect_exporter-webhook-" + context.name + "-" + std::to_string(::getpid())))
      .string();
}

std::unique_ptr<Source> create_webhook_source(const SourceSpec& spec, const SourceContext& context,
                                              LineSink& sink) {
  WebhookOptions options = static_cast<const WebhookSpec&>(spec).options;
  options.name = context.name;
  if (options.spool_dir.empty()) options.spool_dir = default_spool_dir(context);
  options.max_line_bytes = context.max_line_bytes;
  options.listen_enabled = !context.read_from_start;
  options.checkpointed = !context.state_file.empty();
  return std::make_unique<WebhookSource>(std::move(options), sink);
}

}  // namespace

extern const SourceFactory kWebhookSourceType{
    "webhook",
    {"listen", "path", "sign_key", "sign_key_file", "expiry_grace", "max_body_bytes",
     "max_connections", "tls", "spool_dir", "spool_max_bytes", "spool_keep_files", "fsync",
     "dedup_window", "dedup_max_keys"},
    "tencent_callback",
    read_webhook_spec,
    create_webhook_source};

}  // namespace sdx
