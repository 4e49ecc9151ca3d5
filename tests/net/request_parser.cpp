#define CAF_SUITE net.request_parser
#include "caf/test/unit_test.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "net/request_parser.hpp"

using namespace tidewire;
using namespace tidewire::net;

namespace {

parser_limits small_limits() {
  parser_limits limits;
  limits.max_frame = 32;
  limits.max_batch = 3;
  limits.max_depth = 4;
  return limits;
}

client_request one(const std::string& text, const parser_limits& limits = {}) {
  auto out = parse_text_frame(text, limits);
  CAF_REQUIRE_EQUAL(out.size(), 1u);
  return out.front();
}

request_error error_of(const std::string& text,
                       const parser_limits& limits = {}) {
  auto r = one(text, limits);
  auto err = std::get_if<request_error>(&r);
  CAF_REQUIRE(err != nullptr);
  // Whatever the input, the message must be embeddable in a JSON frame.
  CAF_CHECK(!nlohmann::json(err->message).dump().empty());
  return *err;
}

bool mentions(const request_error& err, const std::string& what) {
  return err.message.find(what) != std::string::npos;
}

template <class T>
T as(const client_request& r) {
  auto p = std::get_if<T>(&r);
  CAF_REQUIRE(p != nullptr);
  return *p;
}

} // namespace

CAF_TEST(malformed JSON is bad_request) {
  for (auto text : {"", "{", "{\"type\":", "{'type':'ping'}", "nul",
                    "{\"type\":\"ping\"} trailing", "\xff\xfe"}) {
    auto err = error_of(text);
    CAF_CHECK_EQUAL(err.code, "bad_request");
    CAF_CHECK(mentions(err, "malformed JSON"));
    CAF_CHECK_EQUAL(err.id_json, "");
  }
}

CAF_TEST(JSON that is not an object is bad_request) {
  for (auto text : {"42", "\"ping\"", "null", "true", "1.5"}) {
    auto err = error_of(text);
    CAF_CHECK_EQUAL(err.code, "bad_request");
    CAF_CHECK(mentions(err, "object"));
  }
}

CAF_TEST(missing or mistyped type) {
  auto err = error_of(R"({})");
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "'type'"));
  err = error_of(R"({"type":5,"id":"x"})");
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "'type'"));
  CAF_CHECK_EQUAL(err.id_json, R"("x")");
  err = error_of(R"({"type":null})");
  CAF_CHECK_EQUAL(err.code, "bad_request");
}

CAF_TEST(unknown type) {
  auto err = error_of(R"({"type":"subscribez","id":7})");
  CAF_CHECK_EQUAL(err.code, "unknown_type");
  CAF_CHECK(mentions(err, "subscribez"));
  CAF_CHECK_EQUAL(err.id_json, "7");
}

CAF_TEST(long unknown type is cut on a UTF-8 boundary) {
  std::string type;
  for (int i = 0; i < 70; ++i)
    type += "\xc3\xa9"; // é
  auto err = error_of(nlohmann::json{{"type", type}}.dump());
  CAF_CHECK_EQUAL(err.code, "unknown_type");
  CAF_CHECK(err.message.size() < type.size());
}

CAF_TEST(id must be a string or an integer) {
  CAF_CHECK_EQUAL(as<ping_request>(one(R"({"type":"ping","id":"a1"})")).id_json,
                  R"("a1")");
  CAF_CHECK_EQUAL(as<ping_request>(one(R"({"type":"ping","id":12})")).id_json,
                  "12");
  CAF_CHECK_EQUAL(as<ping_request>(one(R"({"type":"ping","id":-3})")).id_json,
                  "-3");
  CAF_CHECK_EQUAL(as<ping_request>(one(R"({"type":"ping"})")).id_json, "");
  for (auto text : {R"({"type":"ping","id":1.5})", R"({"type":"ping","id":true})",
                    R"({"type":"ping","id":null})", R"({"type":"ping","id":{}})",
                    R"({"type":"ping","id":[1]})"}) {
    auto err = error_of(text);
    CAF_CHECK_EQUAL(err.code, "bad_request");
    CAF_CHECK(mentions(err, "'id'"));
  }
}

CAF_TEST(subscribe) {
  auto req = as<subscribe_request>(one(R"({"type":"subscribe","channel":"trades"})"));
  CAF_CHECK_EQUAL(req.channel, "trades");
  CAF_CHECK(!req.since);
  CAF_CHECK(!req.epoch);
  CAF_CHECK_EQUAL(req.id_json, "");
  req = as<subscribe_request>(one(
    R"({"type":"subscribe","channel":"positions.acme:1","since":41,"epoch":"e1","id":"s"})"));
  CAF_CHECK_EQUAL(req.channel, "positions.acme:1");
  CAF_REQUIRE(req.since);
  CAF_CHECK_EQUAL(*req.since, 41u);
  CAF_REQUIRE(req.epoch);
  CAF_CHECK_EQUAL(*req.epoch, "e1");
  CAF_CHECK_EQUAL(req.id_json, R"("s")");
  req = as<subscribe_request>(one(
    R"({"type":"subscribe","channel":"a","since":18446744073709551615,"unknown":1})"));
  CAF_CHECK_EQUAL(*req.since, UINT64_MAX);
  // Optional fields may be null.
  req = as<subscribe_request>(
    one(R"({"type":"subscribe","channel":"a","since":null,"epoch":null})"));
  CAF_CHECK(!req.since);
  CAF_CHECK(!req.epoch);
}

CAF_TEST(subscribe with missing or mistyped fields) {
  struct bad {
    const char* text;
    const char* field;
  };
  for (auto [text, field] : {
         bad{R"({"type":"subscribe"})", "'channel'"},
         bad{R"({"type":"subscribe","channel":5})", "'channel'"},
         bad{R"({"type":"subscribe","channel":null})", "'channel'"},
         bad{R"({"type":"subscribe","channel":["a"]})", "'channel'"},
         bad{R"({"type":"subscribe","channel":"a","since":-1})", "'since'"},
         bad{R"({"type":"subscribe","channel":"a","since":1.5})", "'since'"},
         bad{R"({"type":"subscribe","channel":"a","since":"3"})", "'since'"},
         bad{R"({"type":"subscribe","channel":"a","since":true})", "'since'"},
         bad{R"({"type":"subscribe","channel":"a","epoch":5})", "'epoch'"},
         bad{R"({"type":"subscribe","channel":"a","epoch":{}})", "'epoch'"},
       }) {
    CAF_MESSAGE(text);
    auto err = error_of(R"({"id":9,)" + std::string{text + 1});
    CAF_CHECK_EQUAL(err.code, "bad_request");
    CAF_CHECK(mentions(err, field));
    CAF_CHECK_EQUAL(err.id_json, "9");
  }
}

CAF_TEST(invalid channel names) {
  std::string long_name(129, 'a');
  for (auto name : {std::string{""}, std::string{"bad name"},
                    std::string{"a/b"}, std::string{"caf\xc3\xa9"}, long_name,
                    std::string{"a*"}}) {
    auto text = nlohmann::json{{"type", "subscribe"}, {"channel", name},
                               {"id", "i"}}
                  .dump();
    auto err = error_of(text);
    CAF_CHECK_EQUAL(err.code, "invalid_channel");
    CAF_CHECK_EQUAL(err.id_json, R"("i")");
  }
  auto ok = nlohmann::json{{"type", "unsubscribe"},
                           {"channel", std::string(128, 'z')}}
              .dump();
  CAF_CHECK_EQUAL(as<unsubscribe_request>(one(ok)).channel.size(), 128u);
  auto err = error_of(R"({"type":"publish","channel":"a b","data":1})");
  CAF_CHECK_EQUAL(err.code, "invalid_channel");
  err = error_of(R"({"type":"unsubscribe","channel":"../x"})");
  CAF_CHECK_EQUAL(err.code, "invalid_channel");
}

CAF_TEST(unsubscribe) {
  auto req = as<unsubscribe_request>(
    one(R"({"type":"unsubscribe","channel":"alerts","id":3})"));
  CAF_CHECK_EQUAL(req.channel, "alerts");
  CAF_CHECK_EQUAL(req.id_json, "3");
  auto err = error_of(R"({"type":"unsubscribe"})");
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "'channel'"));
}

CAF_TEST(publish) {
  auto req = as<publish_request>(one(
    R"({"type":"publish","channel":"alerts","data": {"level" : "warn", "n": [1, 2]},"id":"p"})"));
  CAF_CHECK_EQUAL(req.channel, "alerts");
  CAF_CHECK_EQUAL(req.data_json, R"({"level":"warn","n":[1,2]})");
  CAF_CHECK_EQUAL(req.id_json, R"("p")");
  // Any JSON value is data, null included.
  CAF_CHECK_EQUAL(
    as<publish_request>(one(R"({"type":"publish","channel":"a","data":null})"))
      .data_json,
    "null");
  CAF_CHECK_EQUAL(
    as<publish_request>(one(R"({"type":"publish","channel":"a","data":"s"})"))
      .data_json,
    R"("s")");
  auto err = error_of(R"({"type":"publish","channel":"a","id":1})");
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "'data'"));
  CAF_CHECK_EQUAL(err.id_json, "1");
  err = error_of(R"({"type":"publish","data":1})");
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "'channel'"));
}

CAF_TEST(publish data over max_frame is too_large) {
  auto limits = small_limits();
  auto fits = R"({"type":"publish","channel":"a","data":")"
              + std::string(30, 'x') + R"("})";
  CAF_CHECK_EQUAL(as<publish_request>(one(fits, limits)).data_json.size(), 32u);
  auto big = R"({"type":"publish","channel":"a","id":"b","data":")"
             + std::string(31, 'x') + R"("})";
  auto err = error_of(big, limits);
  CAF_CHECK_EQUAL(err.code, "too_large");
  CAF_CHECK_EQUAL(err.id_json, R"("b")");
}

CAF_TEST(ping) {
  CAF_CHECK_EQUAL(as<ping_request>(one(R"({"type":"ping","id":"x"})")).id_json,
                  R"("x")");
}

CAF_TEST(auth is decoded and left to the session) {
  auto req = as<auth_request>(one(R"({"type":"auth","token":"t0k","id":2})"));
  CAF_CHECK_EQUAL(req.token, "t0k");
  CAF_CHECK_EQUAL(req.id_json, "2");
  auto err = error_of(R"({"type":"auth"})");
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "'token'"));
  err = error_of(R"({"type":"auth","token":1})");
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "'token'"));
}

CAF_TEST(arrays of messages are processed in order) {
  auto out = parse_text_frame(
    R"([{"type":"ping","id":1},5,{"type":"subscribe","channel":"a"}])");
  CAF_REQUIRE_EQUAL(out.size(), 3u);
  CAF_CHECK_EQUAL(as<ping_request>(out[0]).id_json, "1");
  CAF_CHECK_EQUAL(as<request_error>(out[1]).code, "bad_request");
  CAF_CHECK_EQUAL(as<subscribe_request>(out[2]).channel, "a");
  auto err = error_of("[]");
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "empty"));
  err = error_of(R"([{"type":"ping"},{"type":"ping"},{"type":"ping"},{"type":"ping"}])",
                 small_limits());
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "too many"));
  out = parse_text_frame(R"([[{"type":"ping"}]])");
  CAF_REQUIRE_EQUAL(out.size(), 1u);
  CAF_CHECK_EQUAL(as<request_error>(out[0]).code, "bad_request");
}

CAF_TEST(deep nesting is refused before parsing) {
  auto limits = small_limits(); // max_depth 4
  auto ok = R"({"type":"publish","channel":"a","data":[[[1]]]})";
  CAF_CHECK_EQUAL(as<publish_request>(one(ok, limits)).data_json, "[[[1]]]");
  auto deep = R"({"type":"publish","channel":"a","data":[[[[1]]]]})";
  auto err = error_of(deep, limits);
  CAF_CHECK_EQUAL(err.code, "bad_request");
  CAF_CHECK(mentions(err, "nested"));
  // 100k levels with the default limit: refused, no stack overflow.
  err = error_of(std::string(100'000, '['));
  CAF_CHECK_EQUAL(err.code, "bad_request");
}

CAF_TEST(json_depth_ok ignores brackets inside strings) {
  CAF_CHECK(json_depth_ok("[[[]]]", 3));
  CAF_CHECK(!json_depth_ok("[[[]]]", 2));
  CAF_CHECK(json_depth_ok(R"({"a":"[[[[[[{{{{"})", 1));
  CAF_CHECK(json_depth_ok(R"({"a":"\"[[[[[["})", 1));
  CAF_CHECK(!json_depth_ok(R"({"a":"\\",[[[[]]]]})", 2));
  CAF_CHECK(json_depth_ok("", 0));
}

CAF_TEST(fields are read as a parsed document would read them) {
  // A repeated name: the last one wins.
  auto err = error_of(R"({"type":"ping","type":"nope"})");
  CAF_CHECK_EQUAL(err.code, "unknown_type");
  CAF_CHECK(mentions(err, "'nope'"));
  // Escaped names and values denote the same strings.
  CAF_CHECK_EQUAL(
    as<ping_request>(one(R"({"\u0074ype":"p\u0069ng","id":"\u0041"})")).id_json,
    R"("\u0041")");
  auto sub = as<subscribe_request>(
    one(R"({"type":"subscribe","channel":"tr\u0061des","since":-0})"));
  CAF_CHECK_EQUAL(sub.channel, "trades");
  CAF_CHECK_EQUAL(*sub.since, 0u);
  // Integers as integers: -0 is 0; a fraction, an exponent or a value past
  // 64 bits is not an integer.
  CAF_CHECK_EQUAL(as<ping_request>(one(R"({"type":"ping","id":-0})")).id_json,
                  "0");
  for (auto id : {"1.5", "1e2", "18446744073709551616", "true", "null"})
    CAF_CHECK(mentions(error_of(std::string{R"({"type":"ping","id":)"} + id + "}"),
                       "'id' must be a string or an integer"));
  CAF_CHECK(mentions(
    error_of(R"({"type":"subscribe","channel":"c","since":1.0})"),
    "'since' must be a non-negative integer"));
  // A byte-order mark before the frame is allowed, as JSON parsers do.
  CAF_CHECK_EQUAL(as<ping_request>(one("\xEF\xBB\xBF{\"type\":\"ping\",\"id\":4}"))
                    .id_json,
                  "4");
}

CAF_TEST(published data is compacted once with numbers and strings as sent) {
  auto req = as<publish_request>(one(
    "[{\"type\":\"publish\",\"channel\":\"c\",\"data\": { \"n\" : "
    "1.000000000000000000001 ,\"s\" : \"a  b\", \"n\":[ 12345678901234567890123 ]"
    "} }]"));
  CAF_CHECK_EQUAL(req.data_json, R"({"n":[12345678901234567890123],"s":"a  b"})");
  // Scalars are data too.
  CAF_CHECK_EQUAL(
    as<publish_request>(one(R"({"type":"publish","channel":"c","data":null})"))
      .data_json,
    "null");
}
