#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Decisions about an HTTP request's framing and origin. Pure functions, no
// Beast: the HTTP session hands over header values and acts on the answer.
namespace tidewire::net {

// `s` without leading and trailing spaces and tabs (HTTP optional white space).
std::string_view trim(std::string_view s);

// Why a request's body framing is refused, or nullopt when it is fine.
// `transfer_encodings` holds the value of every Transfer-Encoding field in
// order (several fields count as one comma-separated list). Only a list whose
// last coding is `chunked` is accepted, and never together with
// Content-Length: any other shape lets a front proxy and this node disagree
// on where the body ends, which is how a second request is smuggled inside
// the first (RFC 9112 §6.1 and §6.3).
std::optional<std::string>
framing_error(const std::vector<std::string_view>& transfer_encodings,
              bool has_content_length);

// The origin a request addressed to `host` (the Host header) has when it
// comes from a page served by this node: "http://host" or "https://host".
std::string own_origin(std::string_view host, bool tls);

// Splits a comma-separated --allowed-origins list, trimming spaces and a
// trailing '/', lower-casing scheme and host. Entries must look like
// scheme://host[:port]; returns nullopt and sets `error` otherwise.
std::optional<std::vector<std::string>>
parse_allowed_origins(std::string_view list, std::string& error);

// True when a request carrying `origin` may proceed: it has no Origin header
// at all (not a browser, or a same-origin GET), or the Origin is the node's
// own origin for `host`, or it is listed. "null" is never allowed.
bool origin_allowed(std::optional<std::string_view> origin,
                    std::string_view host, bool tls,
                    const std::vector<std::string>& allowed);

// The token of an `Authorization: Bearer T` header value; nullopt for any
// other scheme or an empty token.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// A token from `Authorization: Bearer T`, else from `?token=T` (for clients
// that cannot set headers, such as a browser's WebSocket; it ends up in
// access logs, so the header is preferred when both are there). `query` is
// the undecoded query without '?'.
std::optional<std::string> request_token(std::string_view authorization,
                                         std::string_view query);

} // namespace tidewire::net
