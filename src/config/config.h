#pragma once
// The validated configuration (YAML file, see config_loader.h).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "classify/code_entry.h"
#include "metrics/dimension.h"

namespace sdx {

enum class SourceType { file };            // webhook, tencent_api: later
enum class SourceFormat { tencent_callback };  // json, regex: later
enum class StartAt { beginning, end };

struct SourceConfig {
  std::string name;
  SourceType type = SourceType::file;
  SourceFormat format = SourceFormat::tencent_callback;
  // type: file
  std::vector<std::string> paths;
  StartAt start_at = StartAt::beginning;
};

struct Config {
  std::string path;  // the file it was read from
  std::string state_file;  // empty = no checkpoints
  std::vector<Dimension> labels;
  size_t max_label_sets = 1000;
  std::chrono::milliseconds checkpoint_interval{5000};
  std::chrono::milliseconds poll_interval{250};  // fallback when inotify misses
  size_t max_line_bytes = size_t{1} << 20;
  std::vector<SourceConfig> sources;
  std::vector<CodeEntry> codes;  // additions/overrides of the code table
};

}  // namespace sdx
