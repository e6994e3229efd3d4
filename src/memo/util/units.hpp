#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace memo::util {

// "5GB", "500MB", "1.5G", "64KiB", "1000" (bytes): KB/MB/GB/TB count in 1000s, KiB/MiB/GiB/TiB
// in 1024s, as turbo's TURBO_CACHE_MAX_SIZE and the shell's tools read them.
std::expected<std::uint64_t, std::string> parse_size(std::string_view text);

// "14d", "2w", "24h", "30m", "90s".
std::expected<std::chrono::seconds, std::string> parse_duration(std::string_view text);

// 56.2 MB, 812 B.
std::string format_size(std::uint64_t bytes);
// 1h 02m, 3m 05s, 12.4 s, 35 ms.
std::string format_duration_ms(double ms);

}  // namespace memo::util
