#define CAF_SUITE auth.claims
#include "caf/test/unit_test.hpp"

#include "actors/auth/claims.hpp"

using namespace tidewire::auth;

namespace {

claims parse(const std::string& text) {
  std::string error;
  auto c = parse_claims(text, error);
  CAF_REQUIRE(c);
  return *c;
}

std::string refusal(const std::string& text) {
  std::string error;
  auto c = parse_claims(text, error);
  CAF_CHECK(!c);
  return error;
}

} // namespace

CAF_TEST(patterns grant exact names and names below a prefix) {
  CAF_CHECK(pattern_grants("trades", "trades"));
  CAF_CHECK(!pattern_grants("trades", "trades2"));
  CAF_CHECK(pattern_grants("positions.*", "positions.eu"));
  CAF_CHECK(pattern_grants("positions.*", "positions.eu.fx"));
  CAF_CHECK(!pattern_grants("positions.*", "positions."));
  CAF_CHECK(!pattern_grants("positions.*", "positions"));
  CAF_CHECK(!pattern_grants("positions.*", "positionsX"));
  CAF_CHECK(pattern_grants("*", "anything"));
}

CAF_TEST(rights come from channels and publish separately) {
  auto c = parse(R"({"exp":100,"sub":"a","channels":["trades","p.*"],"publish":["alerts"]})");
  CAF_CHECK_EQUAL(c.subject, "a");
  CAF_CHECK_EQUAL(c.exp, 100);
  CAF_CHECK(!c.anonymous);
  CAF_CHECK(may_subscribe(c, "trades"));
  CAF_CHECK(may_subscribe(c, "p.x"));
  CAF_CHECK(!may_subscribe(c, "alerts"));
  CAF_CHECK(may_publish(c, "alerts"));
  CAF_CHECK(!may_publish(c, "trades"));
}

CAF_TEST(no claim no right and anonymous every right) {
  auto c = parse(R"({"exp":1})");
  CAF_CHECK(!may_subscribe(c, "trades"));
  CAF_CHECK(!may_publish(c, "trades"));
  CAF_CHECK(!may_subscribe(nobody(), "trades"));
  claims anon;
  CAF_CHECK(may_subscribe(anon, "trades"));
  CAF_CHECK(may_publish(anon, "x.y"));
}

CAF_TEST(malformed claims are refused with a reason) {
  CAF_CHECK_EQUAL(refusal("[1]"), "token payload is not a JSON object");
  CAF_CHECK_EQUAL(refusal("{"), "token payload is not a JSON object");
  CAF_CHECK_EQUAL(refusal(R"({"sub":"a"})"), "token has no numeric 'exp' claim");
  CAF_CHECK_EQUAL(refusal(R"({"exp":"soon"})"), "token has no numeric 'exp' claim");
  // Found by fuzz.ws_message: converting these to int64 was undefined.
  CAF_CHECK_EQUAL(refusal(R"({"exp":7.7e104})"), "token's 'exp' claim is out of range");
  CAF_CHECK_EQUAL(refusal(R"({"exp":-1e300})"), "token's 'exp' claim is out of range");
  CAF_CHECK_EQUAL(refusal(R"({"exp":18446744073709551615})"),
                  "token's 'exp' claim is out of range");
  CAF_CHECK_EQUAL(parse(R"({"exp":1700000000.75})").exp, 1700000000);
  CAF_CHECK_EQUAL(refusal(R"({"exp":1,"channels":"trades"})"),
                  "claim 'channels' must be an array of strings");
  CAF_CHECK_EQUAL(refusal(R"({"exp":1,"publish":[1]})"),
                  "claim 'publish' must hold non-empty strings");
  CAF_CHECK_EQUAL(refusal(R"({"exp":1,"publish":[""]})"),
                  "claim 'publish' must hold non-empty strings");
}
