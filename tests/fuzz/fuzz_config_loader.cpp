// load_config_string on arbitrary text. A bad config must come back as a
// ConfigErrors, each naming "fuzz.yaml:LINE:COLUMN: reason"; any other exception
// escapes and libFuzzer reports it, like a crash. A config that loads must
// hold what the loader validates.
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "config/config_loader.h"
#include "fuzz_target.h"

namespace {

void check_config(const sdx::Config& config) {
  SDX_FUZZ_CHECK(config.path == "fuzz.yaml");
  SDX_FUZZ_CHECK(!config.sources.empty());
  SDX_FUZZ_CHECK(config.max_label_sets >= 1);
  SDX_FUZZ_CHECK(config.checkpoint_interval.count() > 0 && config.poll_interval.count() > 0);
  SDX_FUZZ_CHECK(config.max_line_bytes >= 1024 && config.max_line_bytes <= (size_t{1} << 30));
  std::set<std::string> names;
  for (const sdx::SourceConfig& source : config.sources) {
    SDX_FUZZ_CHECK(!source.name.empty());
    SDX_FUZZ_CHECK(names.insert(source.name).second);
    SDX_FUZZ_CHECK(source.spec != nullptr && source.format_spec != nullptr);
    SDX_FUZZ_CHECK(!source.identity().empty() && !source.canonical().empty());
  }
  std::set<std::pair<int64_t, int64_t>> codes;
  for (const sdx::CodeEntry& entry : config.codes) {
    SDX_FUZZ_CHECK(codes.insert({entry.errcode, entry.sub_errcode}).second);
    SDX_FUZZ_CHECK(!entry.reason.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  try {
    check_config(sdx::load_config_string(yaml, "fuzz.yaml"));
  } catch (const sdx::ConfigErrors& errors) {
    SDX_FUZZ_CHECK(!errors.errors().empty());
    std::pair<int, int> previous{0, 0};
    for (const sdx::ConfigError& e : errors.errors()) {
      SDX_FUZZ_CHECK(e.file() == "fuzz.yaml");
      SDX_FUZZ_CHECK(e.line() >= 0 && e.column() >= 0);
      SDX_FUZZ_CHECK(!e.reason().empty());
      SDX_FUZZ_CHECK(std::string_view(e.what()).starts_with("fuzz.yaml:"));
      // In file order.
      SDX_FUZZ_CHECK(std::pair(e.line(), e.column()) >= previous);
      previous = {e.line(), e.column()};
    }
  }
  return 0;
}
