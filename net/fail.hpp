#pragma once

#include <cstdint>

#include <boost/system/error_code.hpp>

namespace tidewire::net {

// The one place that decides which network errors are noise: a peer going
// away (eof, reset, broken pipe, WebSocket closed), our own cancellation
// (operation_aborted) and idle timeouts are silent; the rest is logged to
// stderr with the connection id and what was being done.
void fail(boost::system::error_code ec, const char* what, uint64_t conn_id);

// True when `ec` is one of the silent errors above.
bool is_noise(boost::system::error_code ec);

} // namespace tidewire::net
