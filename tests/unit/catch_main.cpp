#define CATCH_CONFIG_RUNNER
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

int main(int argc, char** argv) {
  // Create spdlog's registry before any test starts threads that log, as the
  // daemon does by setting up logging first: its lazy creation from two
  // threads at once is what ThreadSanitizer reported in the HTTP tests.
  spdlog::default_logger();
  return Catch::Session().run(argc, argv);
}
