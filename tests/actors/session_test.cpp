#define CAF_SUITE actors.session
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <map>
#include <numeric>

#include "actors/client_link.hpp"
#include "actors/directory.hpp"
#include "actors/frames.hpp"
#include "actors/session.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_link.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

caf::behavior counting_directory(caf::event_based_actor* self,
                                 caf::actor real, std::shared_ptr<int> lookups) {
  return {
    [=](get_atom, const std::string& name) {
      ++*lookups;
      auto rp = self->make_response_promise();
      self->request(real, caf::infinite, get_atom::value, name)
        .then([rp](const caf::actor& ch) mutable { rp.deliver(ch); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

struct session_fixture : actor_fixture {
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>();
  caf::actor directory;
  session_limits limits;

  // With `lookups`, the session talks to the directory through a proxy
  // that counts the channel lookups.
  caf::actor start_session(std::shared_ptr<int> lookups = nullptr) {
    directory_config cfg;
    // The deterministic scheduler fires every pending timeout in run(), so
    // the periodic idle-channel sweep would never let it finish.
    cfg.idle_retire = std::chrono::seconds(0);
    cfg.decls = default_channel_decls();
    cfg.decls.push_back(channel_decl{"resume.*", "stream"});
    cfg.limits = test_limits();
    directory = spawn_directory(sys, cfg);
    auto dir = lookups ? sys.spawn(counting_directory, directory, lookups)
                       : directory;
    auto session = spawn_session(sys, limits, {"node-a", "s-1", {}}, link, dir);
    run();
    return session;
  }

  // The connection writes `bytes` more of what it was handed (everything by
  // default) and reports to the session if it was asked to and got that far.
  // Returns whether it reported.
  bool write(const caf::actor& session, uint64_t bytes = UINT64_MAX) {
    link->written += std::min(bytes, link->delivered - link->written);
    if (link->asked_now > 0) {
      link->asked_now = 0;
    } else {
      if (link->notify_at == 0 || link->written < link->notify_at)
        return false;
      link->notify_at = 0;
    }
    self->send(session, written_atom::value, link->written);
    run();
    return true;
  }

  void written(const caf::actor& session) {
    write(session);
    run();
  }
};

frame text_frame(size_t bytes) {
  // A JSON string of exactly `bytes` bytes, so the fake link can parse it.
  return make_frame('"' + std::string(bytes - 2, 'x')
                                             + '"');
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_tests, session_fixture)

CAF_TEST(the first frame is welcome) {
  limits.heartbeat_ms = 1234;
  start_session();
  CAF_REQUIRE_EQUAL(link->batches.size(), 1u);
  auto& welcome = link->batches[0][0];
  CAF_CHECK_EQUAL(welcome.at("type"), "welcome");
  CAF_CHECK_EQUAL(welcome.at("node"), "node-a");
  CAF_CHECK_EQUAL(welcome.at("session"), "s-1");
  CAF_CHECK_EQUAL(welcome.at("protocol"), 1);
  CAF_CHECK_EQUAL(welcome.at("heartbeat_ms"), 1234);
}

CAF_TEST(batches reach the link without waiting for writes or reports) {
  auto session = start_session(); // welcome: never written
  for (int i = 0; i < 3; ++i)
    self->send(session, reply_atom::value, frames::pong(std::to_string(i)));
  run();
  CAF_REQUIRE_EQUAL(link->batches.size(), 4u);
  CAF_CHECK_EQUAL(link->batches[3][0].at("id"), 2);
  // A short queue needs no word from the connection: no per-write round trip.
  CAF_CHECK_EQUAL(link->notify_calls, 0u);
}

CAF_TEST(a slow consumer is closed with 1013 once unwritten bytes pass the cap) {
  limits.queue_bytes = 10'000;
  auto session = start_session();
  self->monitor(session);
  write(session); // the welcome is out; nothing was asked
  auto send = [&](int n) {
    for (int i = 0; i < n; ++i)
      self->send(session, reply_atom::value, text_frame(2'000));
    run();
  };
  send(3); // 6000 unwritten: past half the cap, so every write counts now
  CAF_CHECK_EQUAL(link->close_code, 0);
  CAF_CHECK_NOT_EQUAL(link->notify_at, 0u); // due at once
  // One coalesced write takes 5000 of them: the session hears of it.
  CAF_CHECK(write(session, 5'000));
  send(4); // 1000 + 8000 unwritten
  CAF_CHECK_EQUAL(link->close_code, 0);
  // Written bytes are credited exactly: another 1000 are fine...
  CAF_CHECK(write(session, 1'000));
  send(1); // 8000 + 2000 = 10000, at the cap
  CAF_CHECK_EQUAL(link->close_code, 0);
  send(1); // 12000 by the session's count: it asks the link first
  CAF_CHECK_EQUAL(link->close_code, 0);
  CAF_CHECK_EQUAL(link->asked_now, 1u);
  CAF_CHECK(write(session, 0)); // nothing more written: over the cap
  CAF_CHECK_EQUAL(link->close_code, 1013);
  CAF_CHECK_LESS_OR_EQUAL(link->max_unwritten, 10'000u);
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(down);
}

CAF_TEST(a MessagePack connection is accounted in MessagePack bytes) {
  // A JSON string of 2000 bytes is 1998 characters: 2001 bytes as a
  // MessagePack str 16. Five of them are 10000 bytes as JSON, at the cap,
  // but 10005 as the MessagePack the connection writes: past it.
  link->fmt = wire_format::msgpack;
  limits.queue_bytes = 10'000;
  auto session = start_session();
  write(session); // the welcome is out
  auto f = text_frame(2'000);
  CAF_REQUIRE_EQUAL(f->json().size(), 2'000u);
  CAF_REQUIRE_EQUAL(f->msgpack().size(), 2'001u);
  for (int i = 0; i < 5; ++i)
    self->send(session, reply_atom::value, text_frame(2'000));
  run();
  CAF_CHECK_EQUAL(link->asked_now, 1u); // 10005 > 10000 by the session's count
  CAF_CHECK(write(session, 0));
  CAF_CHECK_EQUAL(link->close_code, 1013);
}

CAF_TEST(bytes written without a report are counted before a 1013) {
  limits.queue_bytes = 10'000;
  auto session = start_session();
  auto send = [&](int n) {
    for (int i = 0; i < n; ++i)
      self->send(session, reply_atom::value, text_frame(1'000));
    run();
  };
  send(4); // under half the cap: the session asks nothing
  CAF_CHECK_EQUAL(link->notify_at, 0u);
  CAF_CHECK(!write(session)); // all written, unreported
  auto handed = link->delivered;
  self->send(session, reply_atom::value, text_frame(7'000));
  run(); // 11'000+ by the session's count, 7000 in truth
  CAF_CHECK_EQUAL(link->asked_now, 1u);
  CAF_CHECK_EQUAL(link->delivered, handed); // held until the link answers
  send(1); // also held, in order
  CAF_CHECK(write(session, 0));
  CAF_CHECK_EQUAL(link->close_code, 0);
  CAF_CHECK_EQUAL(link->delivered, handed + 8'000);
  CAF_REQUIRE_GREATER_OR_EQUAL(link->batches.size(), 2u);
  CAF_CHECK_EQUAL(link->batches[link->batches.size() - 2][0].get<std::string>().size(), 6'998u);
}

CAF_TEST(catch-up demand waits until the queue is at most half full) {
  limits.queue_bytes = 10'000;
  auto session = start_session();
  write(session);
  self->send(session, subscribe_request{"trades", std::nullopt, std::nullopt, "1"});
  run();
  write(session);
  for (int i = 0; i < 3; ++i)
    self->send(session, reply_atom::value, text_frame(2'000));
  run();
  // A channel (played by self) has the next chunk of subscription 1 ready.
  self->send(session, catchup_atom::value, uint64_t{1});
  run();
  auto no_demand = [&] {
    bool got = false;
    self->receive([&](catchup_atom, uint64_t, uint64_t) { got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return !got;
  };
  CAF_CHECK(no_demand());
  CAF_CHECK(write(session, 500)); // 5500 unwritten: still more than half
  CAF_CHECK(no_demand());
  CAF_CHECK(write(session)); // nothing pending
  uint64_t budget = 0;
  uint64_t sub = 0;
  self->receive(
    [&](catchup_atom, uint64_t sub_id, uint64_t room) {
      sub = sub_id;
      budget = room;
    },
    caf::after(std::chrono::seconds(0)) >> [] { CAF_FAIL("no demand"); });
  CAF_CHECK_EQUAL(sub, 1u);
  CAF_CHECK_EQUAL(budget, 5'000u);
  CAF_CHECK_EQUAL(link->close_code, 0);
  self->send(session, closed_atom::value);
  run();
}

CAF_TEST(channels catching up at once share one budget) {
  limits.queue_bytes = 100'000; // half: 50'000
  auto session = start_session();
  write(session);
  for (auto name : {"trades", "alerts", "dashboard"})
    self->send(session, subscribe_request{name, std::nullopt, std::nullopt, ""});
  run();
  write(session);
  // Three channels (all played by self) have chunks ready for subs 1..3.
  for (uint64_t id = 1; id <= 3; ++id)
    self->send(session, catchup_atom::value, id);
  run();
  std::map<uint64_t, uint64_t> granted;
  auto grants = [&] {
    granted.clear();
    for (bool more = true; more;)
      self->receive(
        [&](catchup_atom, uint64_t sub_id, uint64_t room) {
          granted[sub_id] += room;
        },
        caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    uint64_t sum = 0;
    for (auto& [id, room] : granted)
      sum += room;
    return sum;
  };
  CAF_CHECK_LESS_OR_EQUAL(grants(), 50'000u);
  CAF_CHECK_EQUAL(granted.size(), 3u);
  auto share = granted[1];
  CAF_CHECK_GREATER(share, 10'000u);
  auto others = granted[2] + granted[3];
  auto granted_before_2_3 = [others] { return others; };
  // A channel that asks again before its chunk arrived gets nothing more:
  // the room is spoken for.
  self->send(session, catchup_atom::value, uint64_t{1});
  run();
  CAF_CHECK_EQUAL(grants(), 0u);
  // Sub 1's chunk arrives (as big as its share): from now on its bytes are
  // in the queue instead of the reservation, and there is still no room.
  self->send(session, deliver_atom::value, uint64_t{1},
             make_batch({text_frame(share)}), uint64_t{0});
  run();
  CAF_CHECK_EQUAL(grants(), 0u);
  // Once it is written, sub 1 gets room again, and the three grants still
  // fit into half the cap together.
  write(session);
  auto again = grants();
  CAF_CHECK_EQUAL(granted.count(1), 1u);
  CAF_CHECK_GREATER(again, 0u);
  CAF_CHECK_LESS_OR_EQUAL(again + granted_before_2_3(), 50'000u);
  CAF_CHECK_EQUAL(link->close_code, 0);
  self->send(session, closed_atom::value);
  run();
}

CAF_TEST(several channels resuming at once stay under the cap) {
  limits.queue_bytes = 128 * 1024;
  auto session = start_session();
  write(session);
  const std::vector<std::string> names{"resume.a", "resume.b", "resume.c",
                                       "resume.d"};
  const json pad = std::string(1'000, 'x');
  for (auto& name : names) {
    auto ch = ask<caf::actor>(directory, get_atom::value, name);
    for (int i = 0; i < 100; ++i)
      publish(ch, json{{"pad", pad}});
  }
  // 400 KB behind on four channels, with room for 128 KB.
  for (auto& name : names)
    self->send(session, subscribe_request{name, uint64_t{0}, std::nullopt, ""});
  run();
  size_t seen = 0;
  for (int round = 0; round < 1'000; ++round) {
    write(session);
    run();
    if (link->batches.size() == seen && link->written == link->delivered)
      break;
    seen = link->batches.size();
  }
  CAF_CHECK_EQUAL(link->close_code, 0);
  CAF_CHECK_LESS_OR_EQUAL(link->max_unwritten, limits.queue_bytes);
  std::map<std::string, std::vector<uint64_t>> seqs;
  for (auto& m : link->all())
    if (m.value("type", "") == "update")
      seqs[m.at("channel")].push_back(m.at("seq"));
  std::vector<uint64_t> all_hundred(100);
  std::iota(all_hundred.begin(), all_hundred.end(), 1);
  for (auto& name : names)
    CAF_CHECK(seqs[name] == all_hundred);
  self->send(session, closed_atom::value);
  run();
}

CAF_TEST(an update frame embeds the stored data and a damaged record as null) {
  auto f = frames::update("trades", storage::record{7, 1234, R"({"a":[1,2,{"b":"x\"y"}]})"});
  auto msg = json::parse(f->json());
  CAF_CHECK_EQUAL(msg.at("type"), "update");
  CAF_CHECK_EQUAL(msg.at("channel"), "trades");
  CAF_CHECK_EQUAL(msg.at("seq"), 7);
  CAF_CHECK_EQUAL(msg.at("ts"), 1234);
  CAF_CHECK_EQUAL(msg.at("data"), json::parse(R"({"a":[1,2,{"b":"x\"y"}]})"));
  auto damaged = frames::update("trades", storage::record{8, 1, R"({"a":)"});
  auto parsed = json::parse(damaged->json(), nullptr, false);
  CAF_REQUIRE(!parsed.is_discarded());
  CAF_CHECK(parsed.at("data").is_null());
}

CAF_TEST(unsubscribing what is not subscribed is an error with the id) {
  auto session = start_session();
  written(session);
  self->send(session, unsubscribe_request{"trades", "\"u1\""});
  run();
  auto msgs = link->all();
  CAF_REQUIRE_EQUAL(msgs.size(), 2u);
  CAF_CHECK_EQUAL(msgs[1].at("type"), "error");
  CAF_CHECK_EQUAL(msgs[1].at("code"), "not_subscribed");
  CAF_CHECK_EQUAL(msgs[1].at("id"), "u1");
}

CAF_TEST(subscribe publish and unsubscribe through the directory) {
  auto session = start_session();
  written(session);
  self->send(session, subscribe_request{"trades", std::nullopt, std::nullopt, "1"});
  run();
  written(session);
  self->send(session, publish_request{"trades", R"({"symbol":"ACME"})", "2"});
  run();
  written(session);
  written(session);
  self->send(session, unsubscribe_request{"trades", "3"});
  run();
  written(session);
  std::vector<std::string> types;
  for (auto& m : link->all())
    types.push_back(m.at("type"));
  // `published` and the update may come in either order: both follow the
  // durable commit.
  CAF_REQUIRE_EQUAL(types.size(), 5u);
  CAF_CHECK_EQUAL(types[0], "welcome");
  CAF_CHECK_EQUAL(types[1], "subscribed");
  CAF_CHECK_EQUAL(types[4], "unsubscribed");
  auto all = link->all();
  for (int i = 2; i <= 3; ++i) {
    if (all[i].at("type") == "update") {
      CAF_CHECK_EQUAL(all[i].at("seq"), 1);
      CAF_CHECK_EQUAL(all[i].at("data").at("symbol"), "ACME");
    } else {
      CAF_CHECK_EQUAL(all[i].at("type"), "published");
      CAF_CHECK_EQUAL(all[i].at("seq"), 1);
      CAF_CHECK_EQUAL(all[i].at("id"), 2);
    }
  }
}

CAF_TEST(publishes past the in-flight cap are refused until acks come back) {
  limits.max_publishes_in_flight = 2;
  auto session = start_session();
  written(session);
  // All three are in the mailbox before the directory can answer the first.
  for (auto id : {"1", "2", "3"})
    self->send(session, publish_request{"alerts", R"({"n":1})", id});
  run();
  for (int i = 0; i < 4; ++i)
    written(session);
  std::map<int, json> replies;
  for (auto& m : link->all())
    if (m.contains("id"))
      replies[m.at("id").get<int>()] = m;
  CAF_REQUIRE_EQUAL(replies.size(), 3u);
  CAF_CHECK_EQUAL(replies[1].at("type"), "published");
  CAF_CHECK_EQUAL(replies[2].at("type"), "published");
  CAF_CHECK_EQUAL(replies[3].at("type"), "error");
  CAF_CHECK_EQUAL(replies[3].at("code"), "rate_limited");
  // The acks freed the slots: the next publish goes through.
  self->send(session, publish_request{"alerts", R"({"n":2})", "4"});
  run();
  for (int i = 0; i < 2; ++i)
    written(session);
  auto all = link->all();
  CAF_REQUIRE(!all.empty());
  CAF_CHECK_EQUAL(all.back().at("type"), "published");
  CAF_CHECK_EQUAL(all.back().at("id"), 4);
  CAF_CHECK_EQUAL(all.back().at("seq"), 3);
}

CAF_TEST(subscriptions past the cap are refused; resubscribing is not a new one) {
  limits.max_subscriptions = 2;
  auto session = start_session();
  written(session);
  auto sub = [&](const char* channel, const char* id) {
    self->send(session, subscribe_request{channel, std::nullopt, std::nullopt, id});
    run();
    written(session);
    written(session);
  };
  sub("trades", "1");
  sub("alerts", "2");
  sub("dashboard", "3");
  sub("trades", "4");
  std::map<int, json> replies;
  for (auto& m : link->all())
    if (m.contains("id"))
      replies[m.at("id").get<int>()] = m;
  CAF_CHECK_EQUAL(replies[1].at("type"), "subscribed");
  CAF_CHECK_EQUAL(replies[2].at("type"), "subscribed");
  CAF_CHECK_EQUAL(replies[3].at("type"), "error");
  CAF_CHECK_EQUAL(replies[3].at("code"), "rate_limited");
  CAF_CHECK_EQUAL(replies[4].at("type"), "subscribed");
  // After an unsubscribe there is room again.
  self->send(session, unsubscribe_request{"alerts", "5"});
  run();
  written(session);
  sub("dashboard", "6");
  replies.clear();
  for (auto& m : link->all())
    if (m.contains("id"))
      replies[m.at("id").get<int>()] = m;
  CAF_CHECK_EQUAL(replies[6].at("type"), "subscribed");
  // The client leaves: its channels drop the session (as net/ does on close).
  self->send(session, closed_atom::value);
  run();
}

CAF_TEST(publishes ask the directory once per channel and keep their order) {
  auto lookups = std::make_shared<int>(0);
  auto session = start_session(lookups);
  written(session);
  // Five arrive before the directory answers, two after.
  for (int i = 1; i <= 5; ++i)
    self->send(session, publish_request{"trades", json{{"n", i}}.dump(),
                                        std::to_string(i)});
  run();
  for (int i = 6; i <= 7; ++i)
    self->send(session, publish_request{"trades", json{{"n", i}}.dump(),
                                        std::to_string(i)});
  run();
  for (int i = 0; i < 8; ++i)
    written(session);
  CAF_CHECK_EQUAL(*lookups, 1);
  std::map<int, uint64_t> seq_of_id;
  for (auto& m : link->all())
    if (m.value("type", "") == "published")
      seq_of_id[m.at("id").get<int>()] = m.at("seq").get<uint64_t>();
  CAF_REQUIRE_EQUAL(seq_of_id.size(), 7u);
  for (auto& [id, seq] : seq_of_id)
    CAF_CHECK_EQUAL(seq, static_cast<uint64_t>(id)); // publish order kept
  self->send(session, publish_request{"alerts", "{}", "8"});
  run();
  written(session);
  CAF_CHECK_EQUAL(*lookups, 2);
  // An unknown channel is not remembered: each try asks again.
  for (auto id : {"9", "10"}) {
    self->send(session, publish_request{"nope", "{}", id});
    run();
    written(session);
  }
  written(session);
  CAF_CHECK_EQUAL(*lookups, 4);
  auto last = link->all().back();
  CAF_CHECK_EQUAL(last.at("code"), "unknown_channel");
  CAF_CHECK_EQUAL(last.at("id"), 10);
}

CAF_TEST(unknown channels are reported to the client) {
  auto session = start_session();
  written(session);
  self->send(session, subscribe_request{"nope", std::nullopt, std::nullopt, "7"});
  run();
  auto msgs = link->all();
  CAF_REQUIRE_EQUAL(msgs.size(), 2u);
  CAF_CHECK_EQUAL(msgs[1].at("code"), "unknown_channel");
  CAF_CHECK_EQUAL(msgs[1].at("id"), 7);
}

CAF_TEST_FIXTURE_SCOPE_END()
