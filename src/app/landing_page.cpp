#include "app/landing_page.h"

namespace sdx {

std::string landing_page_html(const std::string& telemetry_path) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Stream Disconnect "
         "Exporter</title></head>\n<body><h1>Stream Disconnect Exporter</h1>\n"
         "<p>Classifies live-stream push interruptions by errcode and sub_errcode.</p>\n<ul>\n"
         "<li><a href=\"" +
         telemetry_path +
         "\">Metrics</a></li>\n<li><a href=\"/-/healthy\">Health</a></li>\n"
         "<li><a href=\"/-/ready\">Readiness</a></li>\n</ul>\n<p>Version " SDX_VERSION
         "</p></body></html>\n";
}

}  // namespace sdx
