#pragma once
// Settings of one webhook source (webhook_source_type.cpp reads them).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "http/http_server.h"
#include "sources/webhook_request.h"

namespace sdx {

struct WebhookOptions {
  std::string name;
  std::string listen;  // HOST:PORT
  std::string path = "/";
  WebhookRules rules;
  size_t max_body_bytes = size_t{64} << 10;
  size_t max_connections = 1024;
  std::optional<HttpTlsSettings> tls;
  std::string spool_dir;  // empty: beside the state file (SourceContext)
  uint64_t spool_max_bytes = uint64_t{64} << 20;
  size_t spool_keep_files = 8;
  bool fsync = true;
  std::chrono::seconds dedup_window{1800};
  size_t dedup_max_keys = 100000;
  // Filled from the SourceContext.
  size_t max_line_bytes = size_t{1} << 20;
  bool listen_enabled = true;  // false for --once: count the spool only
  bool checkpointed = true;    // a state file saves positions: delete spool files only after
};

}  // namespace sdx
