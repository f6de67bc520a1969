#pragma once
// Reload on SIGHUP or POST /-/reload: the new config is read and validated
// completely first; a bad one keeps the old one running (every error logged,
// config_last_reload_successful = 0); a good one is applied by the ingest
// thread between two reads, then checkpointed.
#include <mutex>
#include <string>

#include "app/exporter.h"
#include "app/ingest_loop.h"

namespace sdx {

struct ReloadOutcome {
  bool ok = false;
  std::string message;  // one line per error, or what changed
};

class ConfigReloader {
 public:
  ConfigReloader(std::string config_path, Exporter& exporter, IngestLoop& loop)
      : config_path_(std::move(config_path)), exporter_(exporter), loop_(loop) {}

  // Any thread; reloads run one at a time.
  ReloadOutcome reload(const char* trigger);

 private:
  ReloadOutcome refuse(std::string message);

  const std::string config_path_;
  Exporter& exporter_;
  IngestLoop& loop_;
  std::mutex mutex_;
};

}  // namespace sdx
