#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "actors/auth/claims.hpp"

// JWT verification with libjwt. The algorithm comes from the configuration
// (HS256 with a secret file, RS256 or ES256 with a PEM public key file),
// never from the token: a token whose header names another algorithm
// (`none`, or HS256 signed with the public key as the secret) is refused
// before any signature check.
namespace tidewire::auth {

struct jwt_settings {
  std::string secret_file;     // HS256
  std::string public_key_file; // RS256 or ES256, by the key's type
  std::string audience;        // required `aud` when not empty
  std::string issuer;          // required `iss` when not empty
};

// The outcome of one verification: claims, or why the token is refused.
struct verdict {
  std::optional<claims> ok;
  std::string error;
};

class verifier {
public:
  // Reads the key file named in `settings`. nullptr and `error` set when it
  // cannot be read or used (an HS256 secret shorter than 32 bytes, a PEM
  // that is neither an RSA nor a P-256 EC public key).
  static std::shared_ptr<const verifier> load(const jwt_settings& settings,
                                              std::string& error);

  // Verifies `token` at `now` (seconds since the epoch): header algorithm,
  // signature, `exp` (required, in the future), `nbf`, `aud`, `iss`.
  verdict verify(std::string_view token, int64_t now) const;

  // "HS256", "RS256" or "ES256".
  const std::string& algorithm() const { return alg_; }

private:
  std::string alg_;
  std::string key_;
  std::string audience_;
  std::string issuer_;
};

// Seconds since the epoch, from the system clock.
int64_t unix_now();

} // namespace tidewire::auth
