#define CAF_SUITE net.http_api
#include "caf/test/unit_test.hpp"

#include <optional>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <nlohmann/json.hpp>

#include "net/http_api.hpp"

using namespace tidewire::net;

namespace {

// Requests that fail validation are answered before any actor is asked, so
// an invalid directory handle is enough here.
struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  api_limits limits{64, 8};

  // Requests carry a JSON content type and anonymous claims unless a test
  // sets others.
  std::string content_type = "application/json";
  tidewire::auth::claims claims;

  api_response call(std::string method, std::string path,
                    std::string query = {}, std::string body = {}) {
    std::optional<api_response> out;
    handle_api(sys, caf::actor{}, limits,
               api_request{std::move(method), std::move(path),
                           std::move(query), std::move(body), content_type,
                           claims, ""},
               [&](api_response res) { out = std::move(res); });
    CAF_REQUIRE(out);
    return *out;
  }
};

std::string code_of(const api_response& res) {
  return nlohmann::json::parse(res.body).at("error").at("code");
}

} // namespace

CAF_TEST(error codes map to HTTP statuses) {
  CAF_CHECK_EQUAL(http_status("bad_request"), 400u);
  CAF_CHECK_EQUAL(http_status("invalid_channel"), 400u);
  CAF_CHECK_EQUAL(http_status("unauthorized"), 401u);
  CAF_CHECK_EQUAL(http_status("forbidden"), 403u);
  CAF_CHECK_EQUAL(http_status("unknown_channel"), 404u);
  CAF_CHECK_EQUAL(http_status("not_found"), 404u);
  CAF_CHECK_EQUAL(http_status("too_large"), 413u);
  CAF_CHECK_EQUAL(http_status("unsupported_media_type"), 415u);
  CAF_CHECK_EQUAL(http_status("rate_limited"), 429u);
  CAF_CHECK_EQUAL(http_status("unavailable"), 503u);
  CAF_CHECK_EQUAL(http_status("internal"), 500u);
  CAF_CHECK_EQUAL(http_status("something else"), 500u);
  auto res = error_response("too_large", "big");
  CAF_CHECK_EQUAL(res.status, 413u);
  CAF_CHECK_EQUAL(res.body, R"({"error":{"code":"too_large","message":"big"}})");
}

CAF_TEST_FIXTURE_SCOPE(http_api_tests, fixture)

CAF_TEST(unknown paths are 404 not_found) {
  for (auto path : {"/api/v2/channels", "/api/v1/channelsx",
                    "/api/v1/channels/a", "/api/v1/channels/a/b/messages",
                    "/api/v1/channels/a/nope", "/api/v1/channels//messages"}) {
    auto res = call("GET", path);
    CAF_CHECK_EQUAL(res.status, path == std::string{"/api/v1/channels//messages"}
                                  ? 400u
                                  : 404u);
  }
  CAF_CHECK_EQUAL(code_of(call("GET", "/api/v1/channels/a/nope")), "not_found");
}

CAF_TEST(wrong methods are 405 with Allow) {
  auto res = call("GET", "/api/v1/channels/a/messages");
  CAF_CHECK_EQUAL(res.status, 405u);
  CAF_CHECK_EQUAL(res.allow, "POST");
  res = call("POST", "/api/v1/channels");
  CAF_CHECK_EQUAL(res.status, 405u);
  CAF_CHECK_EQUAL(res.allow, "GET");
  res = call("DELETE", "/api/v1/channels/a/history");
  CAF_CHECK_EQUAL(res.status, 405u);
  res = call("PUT", "/api/v1/channels/a/state");
  CAF_CHECK_EQUAL(res.status, 405u);
}

CAF_TEST(invalid channel names are 400 invalid_channel) {
  for (std::string name : {std::string{"a%20b"}, std::string{"a*"},
                           std::string(129, 'x')}) {
    auto res = call("POST", std::string{"/api/v1/channels/"} + name + "/messages",
                    {}, "1");
    CAF_CHECK_EQUAL(res.status, 400u);
    CAF_CHECK_EQUAL(code_of(res), "invalid_channel");
  }
  auto res = call("GET", "/api/v1/channels/%zz/history");
  CAF_CHECK_EQUAL(res.status, 400u);
  CAF_CHECK_EQUAL(code_of(res), "bad_request");
}

CAF_TEST(publish bodies are validated) {
  for (auto body : {"", "{", "{\"a\":}", "nope", "{} {}"}) {
    auto res = call("POST", "/api/v1/channels/alerts/messages", {}, body);
    CAF_CHECK_EQUAL(res.status, 400u);
    CAF_CHECK_EQUAL(code_of(res), "bad_request");
  }
  auto res = call("POST", "/api/v1/channels/alerts/messages", {},
                  "\"" + std::string(63, 'x') + "\"");
  CAF_CHECK_EQUAL(res.status, 413u);
  CAF_CHECK_EQUAL(code_of(res), "too_large");
  res = call("POST", "/api/v1/channels/alerts/messages", {},
             "[[[[[[[[[[1]]]]]]]]]]");
  CAF_CHECK_EQUAL(res.status, 400u);
}

CAF_TEST(publish needs a JSON content type) {
  for (auto type : {"", "text/plain", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x", "application/jsonx"}) {
    content_type = type;
    auto res = call("POST", "/api/v1/channels/alerts/messages", {}, "{}");
    CAF_CHECK_EQUAL(res.status, 415u);
    CAF_CHECK_EQUAL(code_of(res), "unsupported_media_type");
  }
  CAF_CHECK(is_json_media_type("application/json"));
  CAF_CHECK(is_json_media_type("Application/JSON; charset=utf-8"));
  CAF_CHECK(!is_json_media_type("application/json-patch+json"));
}

CAF_TEST(claims without the right are 403 forbidden) {
  claims = tidewire::auth::nobody();
  claims.channels = {"trades.*"};
  claims.publish = {"alerts"};
  auto res = call("POST", "/api/v1/channels/trades.x/messages", {}, "{}");
  CAF_CHECK_EQUAL(res.status, 403u);
  CAF_CHECK_EQUAL(code_of(res), "forbidden");
  res = call("GET", "/api/v1/channels/alerts/history");
  CAF_CHECK_EQUAL(res.status, 403u);
  res = call("GET", "/api/v1/channels/positions/state");
  CAF_CHECK_EQUAL(res.status, 403u);
  // A right is checked after the request is validated: bad input stays 400.
  res = call("GET", "/api/v1/channels/a*b/state");
  CAF_CHECK_EQUAL(res.status, 400u);
}

CAF_TEST(history parameters are validated) {
  for (auto query : {"since=-1", "since=abc", "since=1.5", "limit=0",
                     "limit=x", "limit=-5", "since=%zz", "since="}) {
    auto res = call("GET", "/api/v1/channels/trades/history", query);
    CAF_CHECK_EQUAL(res.status, 400u);
    CAF_CHECK_EQUAL(code_of(res), "bad_request");
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
