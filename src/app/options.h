#pragma once
// Command-line flags, following Prometheus exporter conventions.
#include <optional>
#include <string>

namespace sdx {

struct Options {
  std::string config_file = "/etc/stream_disconnect_exporter/config.yaml";
  std::string listen_address = ":9876";
  std::string telemetry_path = "/metrics";
  // exporter-toolkit web config (TLS, basic auth); empty = plain HTTP.
  std::string web_config_file;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool config_check = false;
  bool once = false;
  // POST /-/reload (as Prometheus): off by default, then it answers 403.
  bool enable_lifecycle = false;
};

// Parses argv. On --help/--version or a usage error returns the exit code to
// leave with (0 or 2) after printing; otherwise nullopt and fills `options`.
std::optional<int> parse_options(int argc, char** argv, Options& options);

}  // namespace sdx
