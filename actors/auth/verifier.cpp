#include "actors/auth/verifier.hpp"

#include <chrono>
#include <fstream>
#include <iterator>
#include <vector>

#include <jwt.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace tidewire::auth {

namespace {

using json = nlohmann::json;

// Base64url without padding (RFC 7515 §2); nullopt for any other character.
std::optional<std::string> base64url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-')
      v = 62;
    else if (c == '_')
      v = 63;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) // a lone trailing character carries no whole byte
    return std::nullopt;
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  return std::string{std::istreambuf_iterator<char>{in}, {}};
}

// "RS256" or "ES256" for a PEM public key, "" when it is neither.
std::string public_key_algorithm(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{
    BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free};
  if (!bio)
    return {};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{
    PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free};
  if (!key)
    return {};
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_RSA:
      return EVP_PKEY_get_bits(key.get()) >= 2048 ? "RS256" : "";
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key.get(), group, sizeof(group), &len) != 1)
        return {};
      std::string_view g{group, len};
      return g == "prime256v1" || g == "P-256" ? "ES256" : "";
    }
    default:
      return {};
  }
}

bool audience_matches(const json& aud, const std::string& want) {
  if (aud.is_string())
    return aud.get_ref<const std::string&>() == want;
  if (aud.is_array())
    for (auto& a : aud)
      if (a.is_string() && a.get_ref<const std::string&>() == want)
        return true;
  return false;
}

verdict refuse(std::string why) {
  return verdict{std::nullopt, std::move(why)};
}

} // namespace

int64_t unix_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::shared_ptr<const verifier> verifier::load(const jwt_settings& settings,
                                               std::string& error) {
  auto v = std::make_shared<verifier>();
  v->audience_ = settings.audience;
  v->issuer_ = settings.issuer;
  if (!settings.secret_file.empty() == !settings.public_key_file.empty()) {
    error = "--auth=jwt needs exactly one of --jwt-secret-file and "
            "--jwt-public-key-file";
    return nullptr;
  }
  if (!settings.secret_file.empty()) {
    auto secret = read_file(settings.secret_file);
    if (!secret) {
      error = "cannot read --jwt-secret-file " + settings.secret_file;
      return nullptr;
    }
    // Editors and `echo` add a final newline that is not part of the secret.
    while (!secret->empty()
           && (secret->back() == '\n' || secret->back() == '\r'))
      secret->pop_back();
    if (secret->size() < 32) {
      error = "--jwt-secret-file " + settings.secret_file
              + ": an HS256 secret needs at least 32 bytes";
      return nullptr;
    }
    v->alg_ = "HS256";
    v->key_ = std::move(*secret);
    return v;
  }
  auto pem = read_file(settings.public_key_file);
  if (!pem) {
    error = "cannot read --jwt-public-key-file " + settings.public_key_file;
    return nullptr;
  }
  v->alg_ = public_key_algorithm(*pem);
  if (v->alg_.empty()) {
    error = "--jwt-public-key-file " + settings.public_key_file
            + ": not a PEM public key of RSA (2048 bits or more) or EC P-256";
    return nullptr;
  }
  v->key_ = std::move(*pem);
  return v;
}

verdict verifier::verify(std::string_view token, int64_t now) const {
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos
      || token.find('.', dot2 + 1) != std::string_view::npos
      || dot2 + 1 == token.size())
    return refuse("token is not a signed JWT (header.payload.signature)");
  auto header_text = base64url_decode(token.substr(0, dot1));
  auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!header_text || !payload_text)
    return refuse("token is not base64url encoded");
  auto header = json::parse(*header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object())
    return refuse("token header is not a JSON object");
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()
      || alg->get_ref<const std::string&>() != alg_)
    return refuse("token algorithm must be " + alg_);
  // libjwt checks the signature with our key; the algorithm was pinned above,
  // so it can no longer be chosen by the token.
  jwt_t* raw = nullptr;
  std::string text{token};
  auto rc = jwt_decode(&raw, text.c_str(),
                       reinterpret_cast<const unsigned char*>(key_.data()),
                       static_cast<int>(key_.size()));
  std::unique_ptr<jwt_t, decltype(&jwt_free)> decoded{raw, jwt_free};
  if (rc != 0 || !decoded || jwt_get_alg(decoded.get()) != jwt_str_alg(alg_.c_str()))
    return refuse("token signature is not valid");
  std::string error;
  auto c = parse_claims(*payload_text, error);
  if (!c)
    return refuse(std::move(error));
  if (c->exp <= now)
    return refuse("token expired");
  auto payload = json::parse(*payload_text);
  if (auto nbf = payload.find("nbf"); nbf != payload.end()) {
    if (!nbf->is_number())
      return refuse("token 'nbf' is not a number");
    if (nbf->get<int64_t>() > now)
      return refuse("token not valid yet (nbf)");
  }
  if (!audience_.empty()) {
    auto aud = payload.find("aud");
    if (aud == payload.end() || !audience_matches(*aud, audience_))
      return refuse("token audience is not " + audience_);
  }
  if (!issuer_.empty()) {
    auto iss = payload.find("iss");
    if (iss == payload.end() || !iss->is_string()
        || iss->get_ref<const std::string&>() != issuer_)
      return refuse("token issuer is not " + issuer_);
  }
  return verdict{std::move(c), {}};
}

} // namespace tidewire::auth
