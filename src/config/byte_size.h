#pragma once
// Human-written sizes in the config: a byte count ("1048576") or an amount in
// binary units ("64KiB", "1MiB"). Decimal units (KB, MB) are refused on
// purpose: whether they mean 1000 or 1024 is exactly what users get wrong.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sdx {

// The size in bytes, or nullopt with `error` saying what is wrong with `text`
// (without naming the config key: the caller knows it).
std::optional<uint64_t> parse_byte_size(std::string_view text, std::string& error);

}  // namespace sdx
