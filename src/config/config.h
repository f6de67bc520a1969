#pragma once
// The validated configuration (YAML file, see config_loader.h).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "classify/code_entry.h"
#include "classify/model.h"
#include "metrics/dimension.h"

namespace sdx {

class SourceSpec;
class FormatSpec;

struct SourceConfig {
  std::string name;
  std::string type;                        // a registered source type (sources/source_types.cpp)
  std::string format;                      // a registered format (parse/formats.cpp)
  std::shared_ptr<const SourceSpec> spec;  // the type's settings
  std::shared_ptr<const FormatSpec> format_spec;  // the format's settings

  // Every setting but the name: equal = unchanged on a reload.
  std::string canonical() const;
  // What it reads: equal = the same data (a rename, see SourceState).
  std::string identity() const;
};

struct Config {
  std::string path;        // the file it was read from
  std::string state_file;  // empty = no checkpoints
  std::vector<Dimension> labels;
  size_t max_label_sets = 1000;
  std::chrono::milliseconds checkpoint_interval{5000};
  // Scrapes ask for a checkpoint; at most one per this interval is taken
  // for them (0: one per scrape).
  std::chrono::milliseconds checkpoint_min_interval{1000};
  std::chrono::milliseconds poll_interval{250};  // fallback when inotify misses
  size_t max_line_bytes = size_t{1} << 20;
  std::vector<SourceConfig> sources;
  std::vector<std::string> categories;  // declared beyond the built-in ones
  std::vector<CodeEntry> codes;         // additions/overrides of the code table

  ModelSettings model_settings() const;
};

}  // namespace sdx
