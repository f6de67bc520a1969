#pragma once
// --web.config.file: the exporter-toolkit format that node_exporter and the
// other official exporters read (TLS and basic auth for the metrics
// listener). Parsed and checked here, errors as FILE:LINE:COLUMN (the
// config loader's ConfigErrors); certificates and keys are loaded with
// GnuTLS at parse time so a bad one is refused before it is served.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_server.h"

namespace sdx {

// client_auth_type, as Go's crypto/tls names them.
enum class ClientAuth {
  no_client_cert,
  request_client_cert,
  require_any_client_cert,
  verify_client_cert_if_given,
  require_and_verify_client_cert,
};
const char* client_auth_name(ClientAuth auth);

enum class TlsVersion { tls10, tls11, tls12, tls13 };
const char* tls_version_name(TlsVersion version);

struct WebTlsConfig {
  std::string cert_pem, key_pem, client_ca_pem;
  ClientAuth client_auth = ClientAuth::no_client_cert;
  TlsVersion min_version = TlsVersion::tls12;
  TlsVersion max_version = TlsVersion::tls13;
  bool prefer_server_cipher_suites = true;
  bool operator==(const WebTlsConfig&) const = default;
};

struct WebConfig {
  std::optional<WebTlsConfig> tls;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
};

// Throws ConfigReadError (unreadable file) or ConfigErrors. Relative file
// names inside are taken from the config file's directory (as
// exporter-toolkit does).
WebConfig load_web_config_file(const std::string& path);
WebConfig load_web_config_string(std::string_view yaml, const std::string& file_name,
                                 const std::string& base_directory);

// What HttpServer::set_tls needs for `tls`.
HttpTlsSettings http_tls_settings(const WebTlsConfig& tls);

// The guard's verdict on a request's client certificate under `auth`:
// nullopt to let it through, else the response refusing it.
std::optional<HttpResponse> check_client_certificate(ClientAuth auth, const HttpRequest& request);

}  // namespace sdx
