#pragma once
// Human-written durations in the config ("250ms", "5s", "1m30s"), in the
// style of Prometheus: integer amounts, units h, m, s, ms, largest first.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sdx {

// The duration, or nullopt with `error` saying what is wrong with `text`
// (without naming the config key: the caller knows it). Zero is refused: every
// duration in the config is a period that must elapse.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string& error);

}  // namespace sdx
