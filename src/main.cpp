// stream_disconnect_exporter: a Prometheus exporter for live-stream push
// interruptions. See README.md.
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/logging.h"
#include "app/options.h"
#include "app/run_modes.h"
#include "config/config_loader.h"

int main(int argc, char** argv) {
  sdx::Options options;
  if (auto exit_code = sdx::parse_options(argc, argv, options)) return *exit_code;
  sdx::setup_logging(options.log_level, options.log_format);

  sdx::Config config;
  try {
    config = sdx::load_config_file(options.config_file);
  } catch (const sdx::ConfigErrors& e) {
    for (const auto& error : e.errors()) std::cerr << error.what() << "\n";
    std::cerr << "error: invalid configuration " << options.config_file << " (" << e.errors().size()
              << (e.errors().size() == 1 ? " error" : " errors") << ")\n";
    return 2;
  } catch (const sdx::ConfigReadError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  if (options.config_check) {
    std::cout << options.config_file << ": configuration is valid (" << config.sources.size()
              << " sources)\n";
    return 0;
  }
  try {
    return options.once ? sdx::run_once(config) : sdx::run_daemon(options, config);
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}
