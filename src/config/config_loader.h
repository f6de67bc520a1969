#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace sdx {

// A config that cannot be used; what() is "FILE:LINE:COLUMN: reason"
// (1-based line and column).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, std::string reason);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string reason_;
};

// Every problem found in one config, in file order; what() lists them one
// per line.
class ConfigErrors : public std::runtime_error {
 public:
  explicit ConfigErrors(std::vector<ConfigError> errors);
  const std::vector<ConfigError>& errors() const { return errors_; }

 private:
  std::vector<ConfigError> errors_;
};

// The config file cannot be read at all; what() is "cannot read config file
// PATH: reason".
class ConfigReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses and validates; throws ConfigErrors listing every unknown key,
// missing required key, wrong type or invalid value it finds.
Config load_config_file(const std::string& path);
Config load_config_string(std::string_view yaml, const std::string& file_name);

}  // namespace sdx
