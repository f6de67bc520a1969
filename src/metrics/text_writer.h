#pragma once
// Writes Prometheus text exposition straight into a string. Used for the
// event counters, which can reach tens of thousands of series with dimension
// labels: building a prometheus-cpp object per sample first costs tens of
// times the memory of the text itself.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace sdx {

class TextWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out) {}
  // Hands `out` to `flush` (which empties it) whenever it grows past about
  // kFlushBytes: a large exposition written to a file never sits whole in
  // memory (--once).
  TextWriter(std::string& out, std::function<void(std::string&)> flush)
      : out_(out), flush_(std::move(flush)) {}
  static constexpr size_t kFlushBytes = size_t{256} << 10;

  void family(std::string_view name, std::string_view help, std::string_view type);
  // Starts a sample: name{  ... label() calls ...  } value
  void begin_sample(std::string_view name);
  void label(std::string_view name, std::string_view value);
  void end_sample(uint64_t value);
  // A value counted in milliseconds, written in seconds ("12.345"), exactly.
  void end_sample_millis(uint64_t millis);

 private:
  void maybe_flush() {
    if (flush_ && out_.size() >= kFlushBytes) flush_(out_);
  }

  std::string& out_;
  std::function<void(std::string&)> flush_;
  bool first_label_ = true;
};

}  // namespace sdx
