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

CAF_TEST(error and update frames are the text a JSON document would be) {
  for (std::string id : {"", "12", R"("x")", R"("\u0041")"})
    for (std::string message : {"3 publishes are awaiting their ack",
                                "quote \" and \\ and \n", "caf\xc3\xa9"}) {
      json doc = {{"type", "error"}, {"code", "rate_limited"},
                  {"message", message}};
      if (!id.empty())
        doc["id"] = json::parse(id);
      auto f = frames::error("rate_limited", message, id);
      CAF_CHECK_EQUAL(std::string{f->json()}, doc.dump());
    }
  auto f = frames::update("trades", storage::record{7, 1000, R"({"a":1})", ""});
  CAF_CHECK_EQUAL(
    std::string{f->json()},
    R"({"type":"update","channel":"trades","seq":7,"ts":1000,"data":{"a":1}})");
  // A damaged record never becomes a malformed frame.
  f = frames::update("trades", storage::record{8, 1000, R"({"a":)", ""});
  CAF_CHECK_EQUAL(
    std::string{f->json()},
    R"({"type":"update","channel":"trades","seq":8,"ts":1000,"data":null})");
}

CAF_TEST_FIXTURE_SCOPE_END()
