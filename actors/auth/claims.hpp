#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What a connection or HTTP request may do, taken from a verified token.
// Pure: no CAF, no Beast, no libjwt, so the rights logic is unit-tested on
// its own (tests/actors/auth/).
namespace tidewire::auth {

struct claims {
  std::string subject;               // `sub`, for logs and `welcome`
  std::vector<std::string> channels; // may subscribe / read: names or `prefix.*`
  std::vector<std::string> publish;  // may publish: names or `prefix.*`
  int64_t exp = 0;                   // seconds since the epoch; 0: never (anonymous)
  // --auth=none: every right, no expiry. A default-constructed claims value
  // is anonymous so that nodes and tests without auth keep every right.
  bool anonymous = true;
};

// No right at all: a connection that has not authenticated yet.
claims nobody();

// True when `pattern` grants `channel`: an exact name, `prefix.*` (any name
// starting with `prefix.`), or `*` (every channel).
bool pattern_grants(std::string_view pattern, std::string_view channel);

bool may_subscribe(const claims& c, std::string_view channel);
bool may_publish(const claims& c, std::string_view channel);

// Reads the claims of a token payload (JSON text). `exp` is required and must
// be a number; `channels` and `publish` are optional arrays of strings;
// `nbf`, `aud` and `iss` are checked by the verifier. On failure returns
// nullopt and sets `error`.
std::optional<claims> parse_claims(std::string_view payload_json,
                                   std::string& error);

} // namespace tidewire::auth
