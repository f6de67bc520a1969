#include "app/options.h"

#include <CLI/CLI.hpp>

#include <iostream>

namespace sdx {

std::optional<int> parse_options(int argc, char** argv, Options& options) {
  CLI::App app{"stream_disconnect_exporter: Prometheus exporter for live-stream push interruptions",
               "stream_disconnect_exporter"};
  app.set_version_flag("--version", std::string("stream_disconnect_exporter ") + SDX_VERSION);
  app.add_option("--config.file", options.config_file, "Path to the YAML configuration file")
      ->capture_default_str();
  app.add_option("--web.listen-address", options.listen_address,
                 "Address to listen on for /metrics, as HOST:PORT or :PORT")
      ->capture_default_str();
  app.add_option("--web.telemetry-path", options.telemetry_path,
                 "Path under which to expose metrics")
      ->capture_default_str();
  app.add_option("--web.config.file", options.web_config_file,
                 "Path to a web configuration file (exporter-toolkit format) that enables TLS "
                 "and/or basic authentication on every endpoint; re-read when it changes");
  app.add_option("--log.level", options.log_level, "Log level")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--log.format", options.log_format, "Log format")
      ->check(CLI::IsMember({"logfmt", "json"}))
      ->capture_default_str();
  app.add_flag("--config.check", options.config_check,
               "Validate the configuration file and exit (0 = valid, 2 = invalid)");
  app.add_flag("--web.enable-lifecycle", options.enable_lifecycle,
               "Enable configuration reload via HTTP POST to /-/reload");
  app.add_flag("--once", options.once,
               "Read every file source from its start to its end, print the metrics on stdout "
               "and exit (the state file is neither read nor written)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (options.telemetry_path.empty() || options.telemetry_path[0] != '/') {
    std::cerr << "--web.telemetry-path must start with '/'\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace sdx
