#define CAF_SUITE actors.session
// The session's outbound side: the welcome, batches to the link, the unwritten
// byte cap (1013) and the catch-up budget. Its requests (subscribe,
// unsubscribe, publish) are in session_requests_test.cpp.
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "actors/frames.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_link.hpp"
#include "tests/actors/session_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

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
  auto f = frames::update(
    "trades", storage::record{7, 1234, R"({"a":[1,2,{"b":"x\"y"}]})", ""});
  auto msg = json::parse(f->json());
  CAF_CHECK_EQUAL(msg.at("type"), "update");
  CAF_CHECK_EQUAL(msg.at("channel"), "trades");
  CAF_CHECK_EQUAL(msg.at("seq"), 7);
  CAF_CHECK_EQUAL(msg.at("ts"), 1234);
  CAF_CHECK_EQUAL(msg.at("data"), json::parse(R"({"a":[1,2,{"b":"x\"y"}]})"));
  auto damaged = frames::update("trades", storage::record{8, 1, R"({"a":)", ""});
  auto parsed = json::parse(damaged->json(), nullptr, false);
  CAF_REQUIRE(!parsed.is_discarded());
  CAF_CHECK(parsed.at("data").is_null());
}

CAF_TEST_FIXTURE_SCOPE_END()
