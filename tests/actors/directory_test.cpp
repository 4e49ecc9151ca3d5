#define CAF_SUITE actors.directory
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

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

CAF_TEST_FIXTURE_SCOPE_END()
