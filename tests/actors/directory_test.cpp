#define CAF_SUITE actors.directory
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <algorithm>

#include "actors/directory.hpp"
#include "actors/errors.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

struct directory_fixture : actor_fixture {
  caf::actor spawn_dir(size_t max_channels = directory_config{}.max_channels) {
    directory_config cfg;
    // The deterministic scheduler fires every pending timeout in run(), so
    // the periodic idle-channel sweep would never let it finish.
    cfg.idle_retire = std::chrono::seconds(0);
    cfg.max_channels = max_channels;
    cfg.decls = {{"trades", "stream"}, {"positions.*", "state"}};
    cfg.limits = test_limits();
    cfg.store_writer = stores.writer;
    cfg.store_reader = stores.reader;
    auto dir = spawn_directory(sys, cfg);
    run();
    return dir;
  }

  caf::expected<caf::actor> get(const caf::actor& dir, const std::string& name) {
    self->send(dir, get_atom::value, name);
    run();
    caf::expected<caf::actor> result = caf::actor{};
    self->receive([&](caf::actor& ch) { result = ch; },
                  [&](caf::error& err) { result = std::move(err); },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("no reply"); });
    return result;
  }

  caf::expected<caf::actor> find(const caf::actor& dir, const std::string& name) {
    self->send(dir, get_atom::value, name, read_atom::value);
    run();
    caf::expected<caf::actor> result = caf::actor{};
    self->receive([&](caf::actor& ch) { result = ch; },
                  [&](caf::error& err) { result = std::move(err); },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("no reply"); });
    return result;
  }

  std::vector<std::string> channel_names(const caf::actor& dir) {
    std::vector<std::string> names;
    for (auto& info : ask<std::vector<channel_info>>(dir, list_atom::value))
      names.push_back(info.name);
    return names;
  }

  std::vector<std::string> stored_names() {
    std::vector<std::string> names;
    for (auto& meta : ask<std::vector<storage::channel_meta>>(
           stores.writer, list_atom::value))
      names.push_back(meta.name);
    std::sort(names.begin(), names.end());
    return names;
  }

  // One check of the idle-channel sweep, as its periodic tick would run it
  // (the timer is off here: see spawn_dir).
  void sweep(const caf::actor& dir) {
    self->send(dir, tick_atom::value);
    run();
  }

  size_t channel_count(const caf::actor& dir) {
    self->send(dir, list_atom::value);
    run();
    size_t n = 0;
    self->receive([&](std::vector<channel_info>& infos) { n = infos.size(); },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("no reply"); });
    return n;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(directory_tests, directory_fixture)

CAF_TEST(declared names resolve to one channel actor each) {
  auto dir = spawn_dir();
  auto a = get(dir, "trades");
  auto b = get(dir, "trades");
  CAF_REQUIRE(a && b);
  CAF_CHECK(*a);
  CAF_CHECK_EQUAL(*a, *b);
}

CAF_TEST(patterns spawn channels on first use with the declared kind) {
  auto dir = spawn_dir();
  auto acme = get(dir, "positions.ACME");
  CAF_REQUIRE(acme);
  auto info = ask<channel_info>(*acme, info_atom::value);
  CAF_CHECK_EQUAL(info.kind, "state");
  CAF_CHECK_EQUAL(info.name, "positions.ACME");
  auto other = get(dir, "positions.GLOBX");
  CAF_REQUIRE(other);
  CAF_CHECK_NOT_EQUAL(*acme, *other);
}

CAF_TEST(undeclared and invalid names are refused with their codes) {
  auto dir = spawn_dir();
  auto unknown = get(dir, "orders");
  CAF_REQUIRE(!unknown);
  CAF_CHECK_EQUAL(error_code(unknown.error()), "unknown_channel");
  auto invalid = get(dir, "bad name!");
  CAF_REQUIRE(!invalid);
  CAF_CHECK_EQUAL(error_code(invalid.error()), "invalid_channel");
  auto empty = get(dir, "");
  CAF_REQUIRE(!empty);
  CAF_CHECK_EQUAL(error_code(empty.error()), "invalid_channel");
}

CAF_TEST(on-demand channels stop at max_channels and existing ones still resolve) {
  auto dir = spawn_dir(3); // `trades` counts
  CAF_REQUIRE(get(dir, "positions.a"));
  CAF_REQUIRE(get(dir, "positions.b"));
  auto refused = get(dir, "positions.c");
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(error_code(refused.error()), "rate_limited");
  CAF_CHECK(get(dir, "positions.a"));
  CAF_CHECK(get(dir, "trades"));
  auto list = [&] {
    self->send(dir, list_atom::value);
    run();
    size_t n = 0;
    self->receive([&](const std::vector<channel_info>& infos) { n = infos.size(); },
                  caf::after(std::chrono::seconds(0)) >> [] { CAF_FAIL("no list"); });
    return n;
  };
  CAF_CHECK_EQUAL(list(), 3u);
}

CAF_TEST(reads never create channels) {
  auto dir = spawn_dir();
  auto before = channel_count(dir);
  auto missing = find(dir, "positions.never");
  CAF_REQUIRE(!missing);
  CAF_CHECK_EQUAL(error_code(missing.error()), "unknown_channel");
  CAF_CHECK_EQUAL(error_code(find(dir, "nope").error()), "unknown_channel");
  CAF_CHECK_EQUAL(error_code(find(dir, "a b").error()), "invalid_channel");
  CAF_CHECK_EQUAL(channel_count(dir), before);
  // A subscribe or publish creates it; from then on reads find it.
  auto created = get(dir, "positions.eu");
  CAF_REQUIRE(created);
  auto found = find(dir, "positions.eu");
  CAF_REQUIRE(found);
  CAF_CHECK_EQUAL(*found, *created);
  CAF_CHECK_EQUAL(channel_count(dir), before + 1);
}

CAF_TEST(list reports every channel by name) {
  auto dir = spawn_dir();
  get(dir, "positions.ACME");
  auto infos = ask<std::vector<channel_info>>(dir, list_atom::value);
  CAF_REQUIRE_EQUAL(infos.size(), 2u);
  CAF_CHECK_EQUAL(infos[0].name, "positions.ACME");
  CAF_CHECK_EQUAL(infos[1].name, "trades");
  CAF_CHECK_EQUAL(infos[1].kind, "stream");
}

CAF_TEST(a page of the list starts after its cursor and holds at most count) {
  auto dir = spawn_dir();
  for (auto sym : {"D", "B", "A", "C"})
    CAF_REQUIRE(get(dir, std::string{"positions."} + sym));
  auto page = [&](const std::string& after, uint64_t count) {
    std::vector<std::string> names;
    for (auto& info :
         ask<std::vector<channel_info>>(dir, list_atom::value, after, count))
      names.push_back(info.name);
    return names;
  };
  using names = std::vector<std::string>;
  CAF_CHECK_EQUAL(page("", 2), (names{"positions.A", "positions.B"}));
  CAF_CHECK_EQUAL(page("positions.B", 2), (names{"positions.C", "positions.D"}));
  CAF_CHECK_EQUAL(page("positions.D", 2), (names{"trades"}));
  CAF_CHECK_EQUAL(page("trades", 2), names{});
  // A cursor that names no channel (a retired one) still places the page.
  CAF_CHECK_EQUAL(page("positions.BB", 1), (names{"positions.C"}));
  CAF_CHECK_EQUAL(page("", 100), channel_names(dir));
  CAF_CHECK_EQUAL(page("", 0), names{});
}

CAF_TEST(channels found in the store are listed after a restart) {
  open_store();
  {
    auto dir = spawn_dir();
    auto ch = get(dir, "positions.UMBR");
    CAF_REQUIRE(ch);
    publish(*ch, {{"qty", 1}});
    anon_send_exit(dir, caf::exit_reason::user_shutdown);
    run();
  }
  auto dir = spawn_dir();
  auto infos = ask<std::vector<channel_info>>(dir, list_atom::value);
  CAF_REQUIRE_EQUAL(infos.size(), 2u);
  CAF_CHECK_EQUAL(infos[0].name, "positions.UMBR");
  CAF_CHECK_EQUAL(infos[0].head, 1u);
}

CAF_TEST(the sweep retires idle empty pattern channels after two checks) {
  open_store();
  auto dir = spawn_dir();
  auto idle = get(dir, "positions.idle");
  auto kept = get(dir, "positions.kept");
  auto held = get(dir, "positions.held");
  CAF_REQUIRE(idle && kept && held);
  publish(*kept, {{"qty", 1}});
  auto [session, box] = make_subscriber();
  subscribe(*held, session, 1);
  using names = std::vector<std::string>;
  CAF_CHECK_EQUAL(stored_names(), (names{"positions.held", "positions.idle",
                                         "positions.kept", "trades"}));
  // The first check only notes what is idle: a channel made just before it
  // must not vanish under the client that asked for it.
  sweep(dir);
  CAF_CHECK_EQUAL(channel_names(dir),
                  (names{"positions.held", "positions.idle", "positions.kept",
                         "trades"}));
  self->monitor(*idle);
  sweep(dir);
  // Still empty and unsubscribed at the second check: stopped, unlisted and
  // forgotten by the store. The one with an update, the one with a
  // subscriber and the declared one stay.
  bool stopped = false;
  self->receive([&](const caf::down_msg& dm) { stopped = dm.source == *idle; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(stopped);
  CAF_CHECK_EQUAL(channel_names(dir),
                  (names{"positions.held", "positions.kept", "trades"}));
  CAF_CHECK_EQUAL(stored_names(),
                  (names{"positions.held", "positions.kept", "trades"}));
  // The name can be used again, as a new channel.
  auto again = get(dir, "positions.idle");
  CAF_REQUIRE(again);
  CAF_CHECK_NOT_EQUAL(*again, *idle);
  CAF_CHECK_EQUAL(ask<channel_info>(*again, info_atom::value).head, 0u);
}

CAF_TEST(a channel used between two checks is not retired) {
  auto dir = spawn_dir();
  auto late = get(dir, "positions.late");
  auto quiet = get(dir, "positions.quiet");
  CAF_REQUIRE(late && quiet);
  sweep(dir);
  // Idle at the first check, subscribed by the second.
  auto [session, box] = make_subscriber();
  subscribe(*late, session, 1);
  sweep(dir);
  using names = std::vector<std::string>;
  CAF_CHECK_EQUAL(channel_names(dir), (names{"positions.late", "trades"}));
  // Its subscriber leaves: it must be seen idle at two checks from now on,
  // not retired at the next one on the strength of the old notice.
  self->send(*late, unsubscribe_atom::value, session);
  run();
  sweep(dir);
  CAF_CHECK_EQUAL(channel_names(dir), (names{"positions.late", "trades"}));
  sweep(dir);
  CAF_CHECK_EQUAL(channel_names(dir), (names{"trades"}));
}

CAF_TEST(the list is answered from the channels reports without asking them) {
  open_store();
  auto dir = spawn_dir();
  auto ch = get(dir, "positions.ACME");
  CAF_REQUIRE(ch);
  publish(*ch, {{"qty", 1}});
  publish(*ch, {{"qty", 2}});
  auto [s, box] = make_subscriber();
  subscribe(*ch, s, 1);
  // Only the directory runs: an answer that needed any channel (or any
  // other actor) could not be there after its one job.
  auto list_now = [&] {
    self->send(dir, list_atom::value);
    CAF_REQUIRE(sched.try_run_once());
    std::vector<channel_info> infos;
    self->receive([&](std::vector<channel_info>& x) { infos = std::move(x); },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("the list waited for another actor"); });
    run();
    return infos;
  };
  auto infos = list_now();
  CAF_REQUIRE_EQUAL(infos.size(), 2u);
  CAF_CHECK_EQUAL(infos[0].name, "positions.ACME");
  CAF_CHECK_EQUAL(infos[0].kind, "state");
  CAF_CHECK_EQUAL(infos[0].head, 2u);
  CAF_CHECK_EQUAL(infos[0].subscribers, 1u);
  CAF_CHECK(!infos[0].epoch.empty());
  CAF_CHECK_EQUAL(infos[1].name, "trades");
  // Each change is reported: an unsubscribe, another publish.
  self->send(*ch, unsubscribe_atom::value, s);
  run();
  publish(*ch, {{"qty", 3}});
  infos = list_now();
  CAF_CHECK_EQUAL(infos[0].head, 3u);
  CAF_CHECK_EQUAL(infos[0].subscribers, 0u);
  // A channel that stopped leaves the list with its actor.
  anon_send_exit(*ch, caf::exit_reason::kill);
  run();
  infos = list_now();
  CAF_REQUIRE_EQUAL(infos.size(), 1u);
  CAF_CHECK_EQUAL(infos[0].name, "trades");
}

CAF_TEST_FIXTURE_SCOPE_END()
