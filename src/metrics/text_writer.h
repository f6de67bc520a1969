#pragma once
// Writes Prometheus text exposition straight into a string. Used for the
// event counters, which can reach tens of thousands of series with dimension
// labels: building a prometheus-cpp object per sample first costs tens of
// times the memory of the text itself.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace sdx {

class TextWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view help, std::string_view type);
  // Starts a sample: name{  ... label() calls ...  } value
  void begin_sample(std::string_view name);
  void label(std::string_view name, std::string_view value);
  void end_sample(uint64_t value);

 private:
  std::string& out_;
  bool first_label_ = true;
};

}  // namespace sdx
