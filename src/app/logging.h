#pragma once
#include <string>

namespace sdx {

// Configures the default spdlog logger: stderr, `logfmt` (ts=... level=...
// msg="...") or `json` lines, at `level` (debug, info, warn, error).
void setup_logging(const std::string& level, const std::string& format);

}  // namespace sdx
