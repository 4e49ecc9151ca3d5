#define CAF_SUITE auth.verifier
#include "caf/test/unit_test.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "actors/auth/verifier.hpp"

using namespace tidewire::auth;

namespace {

std::string b64url(const std::string& in) {
  static const char* abc =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(abc[(acc >> bits) & 63]);
    }
  }
  if (bits > 0)
    out.push_back(abc[(acc << (6 - bits)) & 63]);
  return out;
}

std::string hs256(const std::string& key, const std::string& input) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
       &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

std::string token(const std::string& header, const std::string& payload,
                  const std::string& key) {
  auto input = b64url(header) + "." + b64url(payload);
  return input + "." + b64url(hs256(key, input));
}

const std::string secret(40, 's');
constexpr int64_t now = 1'700'000'000;

struct fixture {
  std::filesystem::path dir = std::filesystem::temp_directory_path()
                              / ("tidewire-auth-" + std::to_string(::getpid()));
  fixture() { std::filesystem::create_directories(dir); }
  ~fixture() { std::filesystem::remove_all(dir); }

  std::string write(const std::string& name, const std::string& text) {
    auto p = dir / name;
    std::ofstream{p} << text;
    return p.string();
  }

  std::shared_ptr<const verifier> hs(std::string aud = {}, std::string iss = {}) {
    std::string error;
    auto v = verifier::load({write("secret", secret + "\n"), {}, aud, iss}, error);
    CAF_REQUIRE(v);
    return v;
  }

  std::string rsa_public_pem() {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    auto len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(len));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
  }
};

const std::string hs_header = R"({"alg":"HS256","typ":"JWT"})";

} // namespace

CAF_TEST_FIXTURE_SCOPE(verifier_tests, fixture)

CAF_TEST(a valid HS256 token yields its claims) {
  auto v = hs();
  auto r = v->verify(token(hs_header, R"({"exp":1700000100,"sub":"a","channels":["t"]})", secret), now);
  CAF_REQUIRE(r.ok);
  CAF_CHECK_EQUAL(r.ok->subject, "a");
  CAF_CHECK_EQUAL(r.ok->exp, 1700000100);
  CAF_CHECK(may_subscribe(*r.ok, "t"));
}

CAF_TEST(signature algorithm and time claims are checked) {
  auto v = hs("aud1", "iss1");
  auto good = R"({"exp":1700000100,"aud":["x","aud1"],"iss":"iss1"})";
  CAF_CHECK(v->verify(token(hs_header, good, secret), now).ok);
  auto check = [&](const std::string& tok, const std::string& why) {
    auto r = v->verify(tok, now);
    CAF_CHECK(!r.ok);
    CAF_CHECK_EQUAL(r.error, why);
  };
  check(token(hs_header, good, std::string(40, 'x')), "token signature is not valid");
  check(b64url(R"({"alg":"none"})") + "." + b64url(good) + ".",
        "token is not a signed JWT (header.payload.signature)");
  check(b64url(R"({"alg":"none"})") + "." + b64url(good) + ".c2ln",
        "token algorithm must be HS256");
  check(token(R"({"alg":"RS256"})", good, secret), "token algorithm must be HS256");
  check(token(R"({"typ":"JWT"})", good, secret), "token algorithm must be HS256");
  check(token(hs_header, R"({"exp":1700000000,"aud":"aud1","iss":"iss1"})", secret),
        "token expired");
  check(token(hs_header, R"({"aud":"aud1","iss":"iss1"})", secret),
        "token has no numeric 'exp' claim");
  check(token(hs_header, R"({"exp":1700000100,"nbf":1700000050,"aud":"aud1","iss":"iss1"})", secret),
        "token not valid yet (nbf)");
  check(token(hs_header, R"({"exp":1700000100,"aud":"other","iss":"iss1"})", secret),
        "token audience is not aud1");
  check(token(hs_header, R"({"exp":1700000100,"iss":"iss1"})", secret),
        "token audience is not aud1");
  check(token(hs_header, R"({"exp":1700000100,"aud":"aud1","iss":"x"})", secret),
        "token issuer is not iss1");
  check("a.b", "token is not a signed JWT (header.payload.signature)");
  check("a.b.c.d", "token is not a signed JWT (header.payload.signature)");
  check("!!.b.c", "token is not base64url encoded");
}

CAF_TEST(an RSA key refuses HS256 tokens signed with the key itself) {
  auto pem = rsa_public_pem();
  std::string error;
  auto v = verifier::load({{}, write("rsa.pem", pem), {}, {}}, error);
  CAF_REQUIRE(v);
  CAF_CHECK_EQUAL(v->algorithm(), "RS256");
  auto forged = token(hs_header, R"({"exp":1700000100})", pem);
  auto r = v->verify(forged, now);
  CAF_CHECK(!r.ok);
  CAF_CHECK_EQUAL(r.error, "token algorithm must be RS256");
}

CAF_TEST(unusable key files are refused at load) {
  std::string error;
  CAF_CHECK(!verifier::load({write("short", "too short\n"), {}, {}, {}}, error));
  CAF_CHECK_EQUAL(error.find("at least 32 bytes") != std::string::npos, true);
  CAF_CHECK(!verifier::load({(dir / "missing").string(), {}, {}, {}}, error));
  CAF_CHECK_EQUAL(error.find("cannot read") != std::string::npos, true);
  CAF_CHECK(!verifier::load({{}, write("junk.pem", "not a key"), {}, {}}, error));
  CAF_CHECK_EQUAL(error.find("not a PEM public key") != std::string::npos, true);
  CAF_CHECK(!verifier::load({{}, {}, {}, {}}, error));
  CAF_CHECK_EQUAL(error.find("exactly one of") != std::string::npos, true);
}

CAF_TEST_FIXTURE_SCOPE_END()
