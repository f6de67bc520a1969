#include "http/web_config.h"

#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <system_error>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "config/config_loader.h"
#include "config/quoted.h"
#include "config/yaml_reader.h"

namespace sdx {
namespace {

constexpr std::array<std::pair<ClientAuth, const char*>, 5> kClientAuthNames = {{
    {ClientAuth::no_client_cert, "NoClientCert"},
    {ClientAuth::request_client_cert, "RequestClientCert"},
    {ClientAuth::require_any_client_cert, "RequireAnyClientCert"},
    {ClientAuth::verify_client_cert_if_given, "VerifyClientCertIfGiven"},
    {ClientAuth::require_and_verify_client_cert, "RequireAndVerifyClientCert"},
}};

constexpr std::array<std::pair<TlsVersion, const char*>, 4> kTlsVersionNames = {{
    {TlsVersion::tls10, "TLS10"},
    {TlsVersion::tls11, "TLS11"},
    {TlsVersion::tls12, "TLS12"},
    {TlsVersion::tls13, "TLS13"},
}};
// GnuTLS priority keywords, in the same order as TlsVersion.
constexpr std::array<const char*, 4> kGnutlsVersions = {"VERS-TLS1.0", "VERS-TLS1.1", "VERS-TLS1.2",
                                                        "VERS-TLS1.3"};

constexpr std::array<std::string_view, 3> kTopKeys = {"tls_server_config", "basic_auth_users",
                                                      "http_server_config"};
constexpr std::array<std::string_view, 10> kTlsKeys = {"cert",
                                                       "key",
                                                       "client_ca",
                                                       "cert_file",
                                                       "key_file",
                                                       "client_ca_file",
                                                       "client_auth_type",
                                                       "min_version",
                                                       "max_version",
                                                       "prefer_server_cipher_suites"};
constexpr std::array<std::string_view, 1> kHttpKeys = {"http2"};
// exporter-toolkit keys this exporter does not implement: refused by name
// rather than ignored, so nobody believes they are in force.
constexpr std::array<std::string_view, 5> kUnsupported = {
    "cipher_suites", "curve_preferences", "client_allowed_sans", "headers", "rate_limit"};

std::string read_whole_file(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::error_code(errno, std::generic_category()).message();
    return {};
  }
  std::string content;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::error_code(errno, std::generic_category()).message();
      ::close(fd);
      return {};
    }
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

std::string resolve(const std::string& base, const std::string& name) {
  if (name.empty() || name.front() == '/' || base.empty()) return name;
  return base + "/" + name;
}

bool read_bool(const YamlReader& reader, const Value& value) {
  if (!value.node.IsScalar() || reader.kind(value) != ScalarKind::boolean) {
    reader.fail(value, value.what + " must be true or false, got " + reader.describe(value));
  }
  const std::string& text = value.node.Scalar();
  return text == "true" || text == "True" || text == "TRUE";
}

template <typename Enum, size_t N>
Enum read_enum(const YamlReader& reader, const Value& value,
               const std::array<std::pair<Enum, const char*>, N>& names) {
  const std::string text = reader.string(value);
  std::string expected;
  for (const auto& [e, name] : names) {
    if (text == name) return e;
    expected += expected.empty() ? name : std::string(", ") + name;
  }
  reader.fail(value, value.what + " must be one of " + expected + ", got " + quoted(text));
}

void refuse_unsupported(const YamlReader& reader, const MapFields& fields) {
  for (std::string_view key : kUnsupported) {
    if (const Value* value = fields.find(key)) {
      reader.fail(value->mark, value->what + " is not supported by this exporter");
    }
  }
}

// Checks PEM text with GnuTLS, the library that will serve it.
class Credentials {
 public:
  Credentials() { gnutls_certificate_allocate_credentials(&cred_); }
  ~Credentials() { gnutls_certificate_free_credentials(cred_); }
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;
  // GnuTLS's message, or "" when the pair loads.
  std::string key_pair(const std::string& cert, const std::string& key) {
    gnutls_datum_t c = datum(cert), k = datum(key);
    int rc = gnutls_certificate_set_x509_key_mem2(cred_, &c, &k, GNUTLS_X509_FMT_PEM, nullptr, 0);
    return rc < 0 ? gnutls_strerror(rc) : "";
  }
  std::string trust(const std::string& ca) {
    gnutls_datum_t c = datum(ca);
    int rc = gnutls_certificate_set_x509_trust_mem(cred_, &c, GNUTLS_X509_FMT_PEM);
    if (rc < 0) return gnutls_strerror(rc);
    return rc == 0 ? "no certificate in it" : "";
  }

 private:
  static gnutls_datum_t datum(const std::string& text) {
    return {reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
            static_cast<unsigned>(text.size())};
  }
  gnutls_certificate_credentials_t cred_ = nullptr;
};

// PEM from "NAME" inline or "NAME_file"; the mark of whichever was given.
struct Pem {
  std::string text;
  const Value* from = nullptr;
};

Pem read_pem(const YamlReader& reader, const MapFields& fields, std::string_view inline_key,
             const std::string& base) {
  const std::string file_key = std::string(inline_key) + "_file";
  const Value* inline_value = fields.find(inline_key);
  const Value* file_value = fields.find(file_key);
  if (inline_value != nullptr && file_value != nullptr) {
    reader.fail(*file_value, "give either \"" + std::string(inline_key) + "\" or \"" + file_key +
                                 "\" in tls_server_config, not both");
  }
  Pem pem;
  if (inline_value != nullptr) {
    pem.text = reader.string(*inline_value);
    pem.from = inline_value;
  } else if (file_value != nullptr) {
    const std::string path = resolve(base, reader.string(*file_value));
    std::string error;
    pem.text = read_whole_file(path, error);
    if (!error.empty()) reader.fail(*file_value, "cannot read " + path + ": " + error);
    pem.from = file_value;
  }
  return pem;
}

WebTlsConfig read_tls(const YamlReader& reader, const Value& value, const std::string& base) {
  const MapFields fields = reader.fields(value, "in tls_server_config");
  refuse_unsupported(reader, fields);
  fields.refuse_unknown(kTlsKeys);
  WebTlsConfig tls;
  const Pem cert = read_pem(reader, fields, "cert", base);
  const Pem key = read_pem(reader, fields, "key", base);
  if (cert.from == nullptr || key.from == nullptr) {
    reader.fail(value, std::string("tls_server_config needs a certificate and its key: ") +
                           (cert.from == nullptr ? "cert_file (or cert)" : "key_file (or key)") +
                           " is missing");
  }
  Credentials credentials;
  if (std::string error = credentials.key_pair(cert.text, key.text); !error.empty()) {
    reader.fail(*cert.from, "cannot use the certificate and key: " + error);
  }
  tls.cert_pem = cert.text;
  tls.key_pem = key.text;
  if (const Value* v = fields.find("client_auth_type")) {
    tls.client_auth = read_enum(reader, *v, kClientAuthNames);
  }
  const Pem ca = read_pem(reader, fields, "client_ca", base);
  if (ca.from != nullptr) {
    if (std::string error = credentials.trust(ca.text); !error.empty()) {
      reader.fail(*ca.from, "cannot use the client CA: " + error);
    }
    tls.client_ca_pem = ca.text;
  }
  const bool verifies = tls.client_auth == ClientAuth::verify_client_cert_if_given ||
                        tls.client_auth == ClientAuth::require_and_verify_client_cert;
  if (verifies && ca.from == nullptr) {
    reader.fail(*fields.find("client_auth_type"),
                std::string("client_auth_type ") + client_auth_name(tls.client_auth) +
                    " needs client_ca_file (or client_ca) to verify certificates against");
  }
  if (const Value* v = fields.find("min_version")) {
    tls.min_version = read_enum(reader, *v, kTlsVersionNames);
  }
  if (const Value* v = fields.find("max_version")) {
    tls.max_version = read_enum(reader, *v, kTlsVersionNames);
  }
  if (tls.min_version > tls.max_version) {
    reader.fail(*fields.find(fields.find("max_version") ? "max_version" : "min_version"),
                std::string("min_version ") + tls_version_name(tls.min_version) +
                    " is above max_version " + tls_version_name(tls.max_version));
  }
  if (const Value* v = fields.find("prefer_server_cipher_suites")) {
    tls.prefer_server_cipher_suites = read_bool(reader, *v);
  }
  return tls;
}

std::map<std::string, std::string> read_users(const YamlReader& reader, const Value& value) {
  std::map<std::string, std::string> users;
  if (value.node.IsNull()) return users;
  reader.fields(value, "in basic_auth_users");  // a map, keys strings, none twice
  for (const auto& pair : value.node) {
    const std::string user = pair.first.Scalar();
    const Value hash_value{pair.second, "the password hash of user " + quoted(user),
                           pair.second.IsNull() ? pair.first.Mark() : pair.second.Mark()};
    if (user.find(':') != std::string::npos) {
      reader.fail(pair.first.Mark(), "user name " + quoted(user) + " contains ':'");
    }
    const std::string hash = reader.string(hash_value);
    // bcrypt only, as exporter-toolkit: "$2a$", "$2b$" or "$2y$", a cost, a salt and hash.
    if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' ||
        (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') || hash[3] != '$') {
      reader.fail(hash_value, hash_value.what +
                                  " must be a bcrypt hash ($2y$10$... 60 characters; make one "
                                  "with htpasswd -nBC 10 USER), not a plain password");
    }
    users.emplace(user, hash);
  }
  return users;
}

YAML::Node parse_yaml(std::string_view yaml, const YamlReader& reader) {
  try {
    return YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    reader.fail(e.mark, "invalid YAML: " + e.msg);
  }
}

}  // namespace

const char* client_auth_name(ClientAuth auth) {
  for (const auto& [e, name] : kClientAuthNames) {
    if (e == auth) return name;
  }
  return "?";
}

const char* tls_version_name(TlsVersion version) {
  for (const auto& [e, name] : kTlsVersionNames) {
    if (e == version) return name;
  }
  return "?";
}

WebConfig load_web_config_string(std::string_view yaml, const std::string& file_name,
                                 const std::string& base_directory) {
  const YamlReader reader(file_name);
  WebConfig config;
  reader.attempt([&] {
    const YAML::Node root = parse_yaml(yaml, reader);
    if (root.IsNull()) return;  // an empty file: plain HTTP, no auth
    const Value top_value{root, "the web config", root.Mark()};
    const MapFields top = reader.fields(top_value, "");
    refuse_unsupported(reader, top);
    reader.attempt([&] { top.refuse_unknown(kTopKeys); });
    if (const Value* v = top.find("tls_server_config")) {
      reader.attempt([&] {
        if (!v->node.IsNull()) config.tls = read_tls(reader, *v, base_directory);
      });
    }
    if (const Value* v = top.find("basic_auth_users")) {
      reader.attempt([&] { config.basic_auth_users = read_users(reader, *v); });
    }
    if (const Value* v = top.find("http_server_config")) {
      reader.attempt([&] {
        if (v->node.IsNull()) return;
        const MapFields http = reader.fields(*v, "in http_server_config");
        refuse_unsupported(reader, http);
        http.refuse_unknown(kHttpKeys);
        // HTTP/1.1 only: http2 is accepted (true is the toolkit's default) and has no effect.
        if (const Value* h2 = http.find("http2")) read_bool(reader, *h2);
      });
    }
  });
  if (!reader.errors().empty()) throw ConfigErrors(reader.errors());
  return config;
}

WebConfig load_web_config_file(const std::string& path) {
  std::string error;
  std::string content = read_whole_file(path, error);
  if (!error.empty()) throw ConfigReadError("cannot read web config file " + path + ": " + error);
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? "" : path.substr(0, slash == 0 ? 1 : slash);
  return load_web_config_string(content, path, base);
}

HttpTlsSettings http_tls_settings(const WebTlsConfig& tls) {
  HttpTlsSettings settings;
  settings.cert_pem = tls.cert_pem;
  settings.key_pem = tls.key_pem;
  switch (tls.client_auth) {
    case ClientAuth::no_client_cert:
      break;
    case ClientAuth::request_client_cert:
    case ClientAuth::require_any_client_cert:
      // Certificates are requested only with a trust list; without a CA
      // the server's own certificate makes the request (nothing is
      // verified in these modes).
      settings.client_ca_pem = tls.client_ca_pem.empty() ? tls.cert_pem : tls.client_ca_pem;
      break;
    case ClientAuth::verify_client_cert_if_given:
    case ClientAuth::require_and_verify_client_cert:
      settings.client_ca_pem = tls.client_ca_pem;
      break;
  }
  std::string priorities = "NORMAL:-VERS-ALL";
  for (auto v = static_cast<size_t>(tls.min_version); v <= static_cast<size_t>(tls.max_version);
       ++v) {
    priorities += std::string(":+") + kGnutlsVersions[v];
  }
  if (tls.prefer_server_cipher_suites) priorities += ":%SERVER_PRECEDENCE";
  settings.priorities = priorities;
  return settings;
}

std::optional<HttpResponse> check_client_certificate(ClientAuth auth, const HttpRequest& request) {
  auto refuse = [](std::string why) {
    return HttpResponse{403, "text/plain; charset=utf-8", std::move(why) + "\n"};
  };
  const bool presented = request.client_cert_presented;
  const bool verified = request.client_cert_verified;
  switch (auth) {
    case ClientAuth::no_client_cert:
    case ClientAuth::request_client_cert:
      return std::nullopt;
    case ClientAuth::require_any_client_cert:
      if (!presented) return refuse("a client certificate is required");
      return std::nullopt;
    case ClientAuth::verify_client_cert_if_given:
      if (presented && !verified) return refuse("the client certificate is not trusted");
      return std::nullopt;
    case ClientAuth::require_and_verify_client_cert:
      if (!presented) return refuse("a client certificate is required");
      if (!verified) return refuse("the client certificate is not trusted");
      return std::nullopt;
  }
  return refuse("unknown client_auth_type");
}

}  // namespace sdx
