#define CAF_SUITE net.http_rules
#include "caf/test/unit_test.hpp"

#include "net/http_rules.hpp"

using namespace tidewire::net;

CAF_TEST(only a lone chunked transfer coding without Content-Length passes) {
  CAF_CHECK(!framing_error({}, true));
  CAF_CHECK(!framing_error({}, false));
  CAF_CHECK(!framing_error({"chunked"}, false));
  CAF_CHECK(!framing_error({" Chunked "}, false));
  CAF_CHECK(framing_error({"chunked"}, true));
  for (auto te : {"gzip", "xchunked", "identity", "chunked, identity",
                  "gzip, chunked", "chunked,", ""})
    CAF_CHECK(framing_error({te}, false));
  CAF_CHECK(framing_error({"chunked", "identity"}, false));
  CAF_CHECK(framing_error({"chunked", "chunked"}, false));
}

CAF_TEST(origins none own listed and nothing else) {
  std::string error;
  auto allowed = parse_allowed_origins(" https://A.example/ ,http://b:81", error);
  CAF_REQUIRE(allowed);
  CAF_CHECK_EQUAL(allowed->size(), 2u);
  CAF_CHECK_EQUAL((*allowed)[0], "https://a.example");
  CAF_CHECK(origin_allowed(std::nullopt, "h:1", false, *allowed));
  CAF_CHECK(origin_allowed("http://h:1", "h:1", false, *allowed));
  CAF_CHECK(!origin_allowed("https://h:1", "h:1", false, *allowed));
  CAF_CHECK(origin_allowed("https://h:1", "h:1", true, *allowed));
  CAF_CHECK(origin_allowed("https://a.example", "h:1", false, *allowed));
  CAF_CHECK(origin_allowed("HTTP://B:81", "h:1", false, *allowed));
  CAF_CHECK(!origin_allowed("http://b:82", "h:1", false, *allowed));
  CAF_CHECK(!origin_allowed("null", "h:1", false, *allowed));
  CAF_CHECK(!origin_allowed("", "h:1", false, *allowed));
  for (auto bad : {"*", "a.example", "https://a.example/x", "https://*.a.example", "://x"})
    CAF_CHECK(!parse_allowed_origins(bad, error));
}

CAF_TEST(bearer tokens) {
  CAF_CHECK_EQUAL(bearer_token("Bearer abc").value_or(""), "abc");
  CAF_CHECK_EQUAL(bearer_token("bearer   abc ").value_or(""), "abc");
  CAF_CHECK(!bearer_token("Basic abc"));
  CAF_CHECK(!bearer_token("Bearer"));
  CAF_CHECK(!bearer_token("Bearer "));
  CAF_CHECK(!bearer_token("Bearerabc"));
  CAF_CHECK(!bearer_token(""));
}
