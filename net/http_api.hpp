#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/auth/claims.hpp"

// The REST API of protocol v1 ("HTTP API"), independent of Beast: the HTTP
// session hands over method, path, query and body, and writes the answer it
// gets back. Calls into the actors through tidewire::api.
//
//   POST /api/v1/channels/{name}/messages     body = data  -> {"channel","seq","epoch"}
//   GET  /api/v1/channels?limit=N&after=NAME               -> {"channels":[...],"next"}
//        (paged: net/channel_list.hpp)
//   GET  /api/v1/channels/{name}/history?since=N&limit=M  -> {"channel","epoch","head","first","updates"}
//   GET  /api/v1/channels/{name}/state                     -> {"channel","epoch","seq","data"}
namespace tidewire::net {

struct api_request {
  std::string method; // "GET", "POST", ...
  std::string path;   // undecoded path, starts with /api/
  std::string query;  // undecoded query, without '?'
  std::string body;
  std::string content_type; // the Content-Type header, "" when absent
  // The caller's verified rights (anonymous: all). net/ answers 401 itself
  // when a token is required and missing; here a missing right is 403.
  auth::claims claims;
  std::string idempotency_key; // the Idempotency-Key header, "" when absent
};

struct api_response {
  unsigned status = 200;
  std::string body;  // JSON
  std::string allow; // for 405: the methods the path accepts
};

struct api_limits {
  size_t max_frame = 64 * 1024; // largest publish body (413 above)
  size_t max_depth = 64;        // deepest JSON nesting in a publish body
  // A history answer stops adding updates once their data passes this many
  // bytes (at least one is always sent): `limit` bounds the count, this the
  // size, so a page of large updates cannot make a huge response.
  size_t max_history_bytes = 1024 * 1024;
};

inline constexpr uint32_t default_history_limit = 100;
inline constexpr uint32_t max_history_limit = 1000;

// Serves one API request. `done` is called exactly once, either before this
// returns (validation failures) or later on a CAF worker thread: callers post
// the answer to their own strand.
void handle_api(caf::actor_system& sys, const caf::actor& directory,
                const api_limits& limits, api_request req,
                std::function<void(api_response)> done);

// True for `application/json`, with or without parameters (charset=...).
bool is_json_media_type(std::string_view content_type);

// The one mapping of protocol error codes to HTTP statuses.
unsigned http_status(std::string_view error_code);

// The error body of every HTTP answer: {"error":{"code":code,"message":message}}.
std::string error_json(std::string_view code, std::string_view message);

// That body with the status of `code`.
api_response error_response(std::string_view code, std::string_view message);

// Same body, explicit status (404 for unknown paths, 405, ...).
api_response error_response(unsigned status, std::string_view code,
                            std::string_view message);

// The answer for an error from the actors (tidewire::make_error).
api_response from_error(const caf::error& err);

} // namespace tidewire::net
