#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace tidewire {

// Failures actors report to their callers. net/ maps them to protocol error
// codes and HTTP statuses in one place (error_code() below, http status in
// net/http_api.cpp).
enum class errc : uint8_t {
  bad_request = 1,
  unknown_type,
  unknown_channel,
  invalid_channel,
  too_large,
  not_subscribed,
  unauthorized,
  forbidden,
  rate_limited,
  unavailable,
  internal,
  storage_full, // the store refuses writes for lack of disk space
};

caf::error make_error(errc code, std::string message = {});

// The protocol's error code string ("unknown_channel", ...) for an error made
// by make_error; "internal" for any other error.
std::string error_code(const caf::error& err);

// The human-readable message carried by an error made by make_error.
std::string error_message(const caf::error& err);

const char* to_string(errc code);

} // namespace tidewire
