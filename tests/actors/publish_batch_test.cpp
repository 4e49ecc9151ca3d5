#define CAF_SUITE actors.publish_batch
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <map>

#include "actors/errors.hpp"
#include "actors/frames.hpp"
#include "actors/session.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_link.hpp"
#include "actors/directory.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

struct batch_fixture : actor_fixture {
  std::vector<publish_outcome> publish_all(const caf::actor& ch,
                                           std::vector<publish_item> items) {
    self->send(ch, publish_atom::value, std::move(items));
    run();
    std::vector<publish_outcome> result;
    size_t answers = 0;
    self->receive([&](std::vector<publish_outcome>& outs) {
      result = std::move(outs);
      ++answers;
    },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("no answer"); });
    // Exactly one response for all of them.
    self->receive([&](std::vector<publish_outcome>&) { ++answers; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    CAF_CHECK_EQUAL(answers, 1u);
    return result;
  }

  std::vector<storage::record> stored(const std::string& name) {
    storage::channel_meta meta;
    std::vector<storage::record> out;
    CAF_REQUIRE(store->load_meta(name, &meta).ok());
    CAF_REQUIRE(store->read(meta.id, 1, 1000, 1000, &out).ok());
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(publish_batch_tests, batch_fixture)

CAF_TEST(publishes of one session are answered in one response in order) {
  open_store();
  auto limits = test_limits();
  limits.max_batch = 2; // they span several group commits
  auto ch = make_channel("trades", "stream", limits);
  auto [sub, box] = make_subscriber();
  subscribe(ch, sub, 1);
  auto outs = publish_all(ch, {{R"({"n":1})", ""},
                               {R"({"n":2})", "k"},
                               {R"({"n":3})", ""},
                               {R"({"n":4})", "k"}, // repeats the second's key
                               {R"({"n":5})", ""}});
  CAF_REQUIRE_EQUAL(outs.size(), 5u);
  std::vector<uint64_t> seqs;
  for (auto& o : outs) {
    CAF_CHECK(!o.error);
    CAF_CHECK(!o.epoch.empty());
    seqs.push_back(o.seq);
  }
  CAF_CHECK_EQUAL(seqs, (std::vector<uint64_t>{1, 2, 3, 2, 4}));
  // The repeat was stored once; every stored publish was delivered once.
  auto records = stored("trades");
  CAF_REQUIRE_EQUAL(records.size(), 4u);
  CAF_CHECK_EQUAL(records[1].key, "k");
  CAF_CHECK_EQUAL(records[3].data, R"({"n":5})");
  CAF_CHECK_EQUAL(box->update_seqs(), (std::vector<uint64_t>{1, 2, 3, 4}));
  // A later repeat of the key, alone, gets the first seq too.
  outs = publish_all(ch, {{R"({"n":6})", "k"}});
  CAF_REQUIRE_EQUAL(outs.size(), 1u);
  CAF_CHECK_EQUAL(outs[0].seq, 2u);
  CAF_CHECK_EQUAL(stored("trades").size(), 4u);
}

CAF_TEST(a refused publish is answered at its place and the others stored) {
  open_store();
  auto limits = test_limits();
  limits.max_pending = 3;
  auto ch = make_channel("positions", "state", limits);
  auto outs = publish_all(ch, {{R"({"a":1})", ""},
                               {"5", ""}, // not a merge patch
                               {R"({"b":2})", ""},
                               {R"({"c":3})", ""},
                               {R"({"d":4})", ""}}); // past max_pending
  CAF_REQUIRE_EQUAL(outs.size(), 5u);
  CAF_CHECK_EQUAL(outs[0].seq, 1u);
  CAF_CHECK_EQUAL(error_code(outs[1].error), "bad_request");
  CAF_CHECK_EQUAL(outs[2].seq, 2u);
  CAF_CHECK_EQUAL(outs[3].seq, 3u);
  CAF_CHECK_EQUAL(error_code(outs[4].error), "rate_limited");
  CAF_CHECK_EQUAL(stored("positions").size(), 3u);
  auto doc = ask<state_doc>(ch, state_atom::value);
  CAF_CHECK_EQUAL(doc.data_json, R"({"a":1,"b":2,"c":3})");
}

CAF_TEST(an empty list of publishes is answered with no outcomes) {
  auto ch = make_channel("trades", "stream");
  CAF_CHECK(publish_all(ch, {}).empty());
}

CAF_TEST(the publishes of a client frame go out per channel run in order) {
  auto link = std::make_shared<fake_link>();
  directory_config cfg;
  cfg.idle_retire = std::chrono::seconds(0);
  cfg.decls = default_channel_decls();
  cfg.limits = test_limits();
  auto directory = spawn_directory(sys, cfg);
  session_limits limits;
  limits.max_publishes_in_flight = 5;
  auto session = spawn_session(sys, limits, {"node-a", "s-1", {}}, link,
                               directory);
  run();
  std::vector<publish_request> frame;
  for (int i = 1; i <= 6; ++i)
    frame.push_back({i % 3 == 0 ? "alerts" : "trades",
                     json{{"n", i}}.dump(), std::to_string(i), ""});
  frame.push_back({"nope", "{}", "7", ""});
  self->send(session, std::move(frame));
  run();
  std::map<int, json> by_id;
  std::vector<int> order;
  for (auto& m : link->all())
    if (m.contains("id")) {
      by_id[m.at("id").get<int>()] = m;
      order.push_back(m.at("id").get<int>());
    }
  CAF_REQUIRE_EQUAL(by_id.size(), 7u);
  // trades got 1, 2, 4, 5 in that order; alerts 3 (6 was over the cap of
  // five in flight, refused before anything was sent).
  CAF_CHECK_EQUAL(by_id[1].at("seq"), 1);
  CAF_CHECK_EQUAL(by_id[2].at("seq"), 2);
  CAF_CHECK_EQUAL(by_id[4].at("seq"), 3);
  CAF_CHECK_EQUAL(by_id[5].at("seq"), 4);
  CAF_CHECK_EQUAL(by_id[3].at("seq"), 1);
  CAF_CHECK_EQUAL(by_id[3].at("channel"), "alerts");
  CAF_CHECK_EQUAL(by_id[6].at("code"), "rate_limited");
  CAF_CHECK_EQUAL(by_id[7].at("code"), "rate_limited");
  for (int id : {1, 2, 3, 4, 5})
    CAF_CHECK_EQUAL(by_id[id].at("type"), "published");
  // Within one channel the answers keep the frame's order.
  auto pos = [&](int id) {
    return std::find(order.begin(), order.end(), id) - order.begin();
  };
  CAF_CHECK(pos(1) < pos(2));
  CAF_CHECK(pos(2) < pos(4));
  CAF_CHECK(pos(4) < pos(5));
  self->send(session, closed_atom::value);
  run();
}

CAF_TEST(a published frame is the text a JSON document of it would be) {
  for (std::string id : {"", "7", "-3", "0", R"("abc")", R"("a b")",
                         R"("a\u0041")", "\"\xc3\xa9\""}) {
    json doc = {{"type", "published"},
                {"channel", "trades"},
                {"seq", 42},
                {"epoch", "abcd1234-0f"}};
    if (!id.empty())
      doc["id"] = json::parse(id);
    auto f = frames::published("trades", 42, "abcd1234-0f", id);
    CAF_CHECK_EQUAL(std::string{f->json()}, doc.dump());
  }
}

// Ids as the request parser hands them on, and ones it never does (a
// frame builder must not depend on that): every one must come out as a
// JSON document of the message would print it.
const std::vector<std::string> odd_ids = {
  "", "0", "-0", "12", "-12", "007", "-01", "18446744073709551615",
  "18446744073709551616", "9223372036854775807", "-9223372036854775808",
  "-9223372036854775809", "123456789012345678901234567890", "1.5", "1e3",
  R"("x")", R"("")", R"("a b/c")", R"("\u0041")", R"("a\"b")", R"("a\\b")",
  "\"caf\xc3\xa9\"", "\"del\x7f\""};

json with_id(json doc, const std::string& id) {
  if (!id.empty())
    doc["id"] = json::parse(id, nullptr, false);
  return doc;
}

CAF_TEST(error frames are the text a JSON document would be) {
  for (const auto& id : odd_ids)
    for (std::string code : {"rate_limited", "bad_request", "", "a b"})
      for (std::string message :
           {"3 publishes are awaiting their ack", "", "quote \" and \\ and \n",
            "tab\there", "slash / ok", "caf\xc3\xa9", "del \x7f", "\x01"}) {
        json doc = {{"type", "error"}, {"code", code}, {"message", message}};
        auto f = frames::error(code, message, id);
        CAF_CHECK_EQUAL(std::string{f->json()}, with_id(doc, id).dump());
      }
}

CAF_TEST(published frames are the text a JSON document would be) {
  for (const auto& id : odd_ids)
    for (std::string channel : {"trades", "eu.fx:1-a_b", "a b", "caf\xc3\xa9"})
      for (std::string epoch : {"abcd1234-0f", "", "x\"y"}) {
        json doc = {{"type", "published"},
                    {"channel", channel},
                    {"seq", 42},
                    {"epoch", epoch}};
        auto f = frames::published(channel, 42, epoch, id);
        CAF_CHECK_EQUAL(std::string{f->json()}, with_id(doc, id).dump());
      }
}

CAF_TEST(subscribed and welcome frames are the text a JSON document would be) {
  for (const auto& id : odd_ids)
    for (std::string channel : {"trades", "a b", "caf\xc3\xa9"})
      for (std::string epoch : {"abcd1234-0f", "q\""})
        for (bool recovered : {true, false}) {
          json doc = {{"type", "subscribed"}, {"channel", channel},
                      {"kind", "stream"},     {"epoch", epoch},
                      {"seq", 12345},         {"recovered", recovered}};
          auto f = frames::subscribed(channel, "stream", epoch, 12345,
                                      recovered, id);
          CAF_CHECK_EQUAL(std::string{f->json()}, with_id(doc, id).dump());
        }
  session_limits limits;
  limits.heartbeat_ms = 1234;
  limits.reconnect_base_ms = 56;
  limits.reconnect_max_ms = 7890;
  for (std::string node : {"node-1", "", "n\xc3\xa9", "a\"b"})
    for (std::string session : {"0f3a", "x y"}) {
      json doc = {{"type", "welcome"},
                  {"node", node},
                  {"session", session},
                  {"protocol", 1},
                  {"heartbeat_ms", 1234},
                  {"reconnect", {{"base_ms", 56}, {"max_ms", 7890}}}};
      auto f = frames::welcome(node, session, limits);
      CAF_CHECK_EQUAL(std::string{f->json()}, doc.dump());
    }
}

CAF_TEST(update frames carry valid stored data as it is and nothing else) {
  const std::vector<std::string> data = {
    R"({"a":1})", R"({"n":1.50,"big":123456789012345678901234567890})",
    R"([1,-0,0.5e-3,"x"])", "null", "true", "\"s\"", "-0", "7",
    R"({"s":"caf\u00e9 \ud83d\ude00"})", "{\"s\":\"caf\xc3\xa9\"}",
    " {\"a\":1} ", "",
    // Damaged: none of these may reach a client.
    R"({"a":)", "{\"a\":1}x", "01", "1.", ".5", "[1,]", "NaN",
    R"("\ud800")", R"("\udc00")", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
    "\"\xf4\x90\x80\x80\"", "\"\xff\"", "\"a\nb\"", "\xEF\xBB\xBF{\"a\":1}"};
  for (std::string channel : {"trades", "eu.fx:1-a_b", "a b", "q\"x",
                              "caf\xc3\xa9"})
    for (const auto& d : data) {
      auto f = frames::update(channel, storage::record{7, -3, d, ""});
      // What the nlohmann-built frame was: the channel as a document prints
      // it, the data when a parser accepts it and it has no byte-order mark.
      const bool ok = json::accept(d) && d.rfind("\xEF\xBB\xBF", 0) != 0;
      auto expected = R"({"type":"update","channel":)" + json(channel).dump()
                      + R"(,"seq":7,"ts":-3,"data":)" + (ok ? d : "null")
                      + "}";
      CAF_CHECK_EQUAL(std::string{f->json()}, expected);
      CAF_CHECK(json::accept(std::string{f->json()}));
      auto c = frames::conflated_update(channel, 9, 5, R"({"a":1})");
      CAF_CHECK_EQUAL(std::string{c->json()},
                      R"({"type":"update","channel":)" + json(channel).dump()
                        + R"(,"seq":9,"ts":5,"conflated":true,"data":{"a":1}})");
    }
}

CAF_TEST_FIXTURE_SCOPE_END()
