#define CAF_SUITE net.static_files
#include "caf/test/unit_test.hpp"

#include <string>

#include "net/handshake.hpp"
#include "net/static_files.hpp"
#include "net/url.hpp"

using namespace tidewire::net;

namespace {

std::string served(std::string_view path) {
  auto r = resolve_static_path(path);
  CAF_CHECK_EQUAL(r.status, 200);
  return r.relative;
}

int refused(std::string_view path) {
  auto r = resolve_static_path(path);
  CAF_CHECK(r.relative.empty());
  CAF_CHECK(!r.reason.empty());
  return r.status;
}

// Unwrapped copies: CAF_CHECK_EQUAL binds references, and `*temporary`
// would dangle.
uint64_t u64(std::string_view s) {
  return parse_u64(s).value_or(UINT64_C(12345678));
}

std::string chosen(std::string_view offered) {
  return negotiate_subprotocol(offered).value_or("<refused>");
}

std::string decoded(std::string_view s) {
  return percent_decode(s).value_or("<malformed>");
}

} // namespace

CAF_TEST(paths inside the web root) {
  CAF_CHECK_EQUAL(served("/"), "index.html");
  CAF_CHECK_EQUAL(served("/app.js"), "app.js");
  CAF_CHECK_EQUAL(served("/js/lib/uplot.min.js"), "js/lib/uplot.min.js");
  CAF_CHECK_EQUAL(served("/docs/"), "docs/index.html");
  CAF_CHECK_EQUAL(served("//a//b"), "a/b");
  CAF_CHECK_EQUAL(served("/my%20file.txt"), "my file.txt");
  CAF_CHECK_EQUAL(served("/a..b/c...js"), "a..b/c...js");
}

CAF_TEST(traversal is refused) {
  CAF_CHECK_EQUAL(refused("/.."), 400);
  CAF_CHECK_EQUAL(refused("/../etc/passwd"), 400);
  CAF_CHECK_EQUAL(refused("/a/../../etc/passwd"), 400);
  CAF_CHECK_EQUAL(refused("/a/./b"), 400);
  CAF_CHECK_EQUAL(refused("/%2e%2e/etc/passwd"), 400);
  CAF_CHECK_EQUAL(refused("/%2E%2E/etc/passwd"), 400);
  CAF_CHECK_EQUAL(refused("/.%2e/x"), 400);
  CAF_CHECK_EQUAL(refused("/a%2f..%2fb"), 400);
  CAF_CHECK_EQUAL(refused("/a%2Fb"), 400);
  CAF_CHECK_EQUAL(refused("/..\\windows"), 400);
  CAF_CHECK_EQUAL(refused("/a%5cb"), 400);
  CAF_CHECK_EQUAL(refused("/a%5Cb"), 400);
  CAF_CHECK_EQUAL(refused(std::string_view{"/a\0b", 4}), 400);
  CAF_CHECK_EQUAL(refused("/a%00.html"), 400);
  CAF_CHECK_EQUAL(refused("/%zz"), 400);
  CAF_CHECK_EQUAL(refused("/%2"), 400);
  CAF_CHECK_EQUAL(refused("/%"), 400);
  CAF_CHECK_EQUAL(refused("/.git/config"), 404);
  CAF_CHECK_EQUAL(refused("/.env"), 404);
  CAF_CHECK_EQUAL(refused("index.html"), 404);
  CAF_CHECK_EQUAL(refused(""), 404);
}

CAF_TEST(content types) {
  CAF_CHECK_EQUAL(mime_type("index.html"), "text/html; charset=utf-8");
  CAF_CHECK_EQUAL(mime_type("a/app.js"), "text/javascript; charset=utf-8");
  CAF_CHECK_EQUAL(mime_type("m.mjs"), "text/javascript; charset=utf-8");
  CAF_CHECK_EQUAL(mime_type("s.CSS"), "text/css; charset=utf-8");
  CAF_CHECK_EQUAL(mime_type("d.json"), "application/json");
  CAF_CHECK_EQUAL(mime_type("i.svg"), "image/svg+xml");
  CAF_CHECK_EQUAL(mime_type("i.png"), "image/png");
  CAF_CHECK_EQUAL(mime_type("favicon.ico"), "image/x-icon");
  CAF_CHECK_EQUAL(mime_type("app.js.map"), "application/json");
  CAF_CHECK_EQUAL(mime_type("robots.txt"), "text/plain; charset=utf-8");
  CAF_CHECK_EQUAL(mime_type("blob"), "application/octet-stream");
  CAF_CHECK_EQUAL(mime_type("x.exe"), "application/octet-stream");
}

CAF_TEST(targets and queries) {
  auto t = split("/api/v1/channels/a/history?since=3&limit=2#frag");
  CAF_CHECK_EQUAL(t.path, "/api/v1/channels/a/history");
  CAF_CHECK_EQUAL(t.query, "since=3&limit=2");
  t = split("/x");
  CAF_CHECK_EQUAL(t.path, "/x");
  CAF_CHECK_EQUAL(t.query, "");
  auto q = parse_query("since=3&limit=&flag&since=9&a%20b=c%2Bd");
  CAF_REQUIRE(q);
  CAF_CHECK_EQUAL(q->at("since"), "3");
  CAF_CHECK_EQUAL(q->at("limit"), "");
  CAF_CHECK_EQUAL(q->at("flag"), "");
  CAF_CHECK_EQUAL(q->at("a b"), "c+d");
  CAF_CHECK(!parse_query("a=%zz"));
  CAF_CHECK_EQUAL(decoded("%41b%2e"), "Ab.");
  CAF_CHECK(!percent_decode("%4"));
}

CAF_TEST(unsigned numbers) {
  CAF_CHECK_EQUAL(u64("0"), 0u);
  CAF_CHECK_EQUAL(u64("007"), 7u);
  CAF_CHECK_EQUAL(u64("18446744073709551615"), UINT64_MAX);
  for (auto bad : {"", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "abc",
                   "18446744073709551616", "99999999999999999999999"})
    CAF_CHECK(!parse_u64(bad));
}

CAF_TEST(subprotocol negotiation) {
  CAF_CHECK_EQUAL(chosen(""), "");
  CAF_CHECK_EQUAL(chosen(" , "), "");
  CAF_CHECK_EQUAL(chosen("tidewire.v1.json"), "tidewire.v1.json");
  // The client's first choice that the node speaks wins.
  CAF_CHECK_EQUAL(chosen("tidewire.v1.msgpack, tidewire.v1.json"),
                  "tidewire.v1.msgpack");
  CAF_CHECK_EQUAL(chosen("tidewire.v1.json, tidewire.v1.msgpack"),
                  "tidewire.v1.json");
  CAF_CHECK_EQUAL(chosen("chat, tidewire.v1.msgpack"), "tidewire.v1.msgpack");
  CAF_CHECK_EQUAL(chosen("tidewire.v1.msgpack"), "tidewire.v1.msgpack");
  CAF_CHECK(!negotiate_subprotocol("tidewire.v1.MSGPACK"));
  CAF_CHECK(!negotiate_subprotocol("tidewire.v2.msgpack"));
  CAF_CHECK(!negotiate_subprotocol("chat, superchat"));
  CAF_CHECK(!negotiate_subprotocol("tidewire.v1.JSON"));
}
