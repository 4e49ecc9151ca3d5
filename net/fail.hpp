#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace tidewire::net {

// The one place that decides which network errors are noise: a peer going
// away (eof, reset, broken pipe, WebSocket closed), our own cancellation
// (operation_aborted) and idle timeouts are silent; the rest is logged to
// stderr with the connection id and what was being done, rate-limited per
// kind (what + error) so a client repeating a bad input cannot flood the log.
void fail(boost::system::error_code ec, const char* what, uint64_t conn_id);

// True when `ec` is one of the silent errors above.
bool is_noise(boost::system::error_code ec);

// Writes "tidewire: <text>" to stderr unless lines of `kind` already used
// their budget (a burst of 5, then one per 2 s); the next line written reports how many were
// suppressed.
void log_line(std::string_view kind, const std::string& text);

// The budget check behind log_line: sets `allowed` and, when allowed,
// returns how many lines of that kind were suppressed since the last one.
uint64_t log_allowed(std::string_view kind, bool& allowed);

} // namespace tidewire::net
