#pragma once
#include <string>

namespace sdx {

// The HTML answered at "/": what this is and where the metrics are.
std::string landing_page_html(const std::string& telemetry_path);

}  // namespace sdx
