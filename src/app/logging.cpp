#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace sdx {
namespace {

// Writes the message escaped for the chosen format, so a quote or newline in
// a log message cannot break a logfmt or JSON line.
class EscapedMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  explicit EscapedMessageFlag(bool json) : json_(json) {}

  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char ch : std::string_view(msg.payload.data(), msg.payload.size())) {
      auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        dest.push_back('\\');
        dest.push_back(ch);
      } else if (c == '\n') {
        dest.append(std::string_view("\\n"));
      } else if (c < 0x20) {
        dest.append(std::string_view(json_ ? "\\u00" : "\\x"));
        dest.push_back(kHex[c >> 4]);
        dest.push_back(kHex[c & 15]);
      } else {
        dest.push_back(ch);
      }
    }
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessageFlag>(json_);
  }

 private:
  bool json_;
};

}  // namespace

void setup_logging(const std::string& level, const std::string& format) {
  auto logger = std::make_shared<spdlog::logger>("stream_disconnect_exporter",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  const bool json = format == "json";
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<EscapedMessageFlag>('*', json);
  formatter->set_pattern(json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})"
                              : R"(ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l msg="%*")");
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace sdx
