#pragma once

// Times on the command line and in output: ISO-8601 UTC with milliseconds,
// or epoch milliseconds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tidewire::replay {

// "2026-11-25T14:02:00.123Z".
std::string iso_time(int64_t epoch_ms);

// Accepts epoch milliseconds ("1764079320000") or ISO-8601
// "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM]" (no zone means UTC).
// nullopt when malformed or out of range.
std::optional<int64_t> parse_time(std::string_view text);

} // namespace tidewire::replay
