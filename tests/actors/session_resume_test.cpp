#define CAF_SUITE actors.session_resume
// A resume through a real session and channel: the first catch-up chunk,
// sent before any demand, holds no more than the room the session stated
// (and reserved) when it subscribed, whatever the client's cap.
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <string>
#include <vector>

#include "actors/session_state.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_link.hpp"
#include "tests/actors/session_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

std::vector<uint64_t> update_seqs(const fake_link& link) {
  std::vector<uint64_t> out;
  for (auto& m : link.all())
    if (m.is_object() && m.value("type", "") == "update")
      out.push_back(m.at("seq"));
  return out;
}

struct fixture : session_fixture {
  caf::actor session;
  caf::actor channel;

  // Starts a session with the cap in `limits` and publishes 110 updates
  // whose frames are ~170-300 B each to "resume.small".
  void start() {
    session = start_session();
    write(session);
    channel = ask<caf::actor>(directory, get_atom::value,
                              std::string{"resume.small"});
    for (int i = 1; i <= 110; ++i)
      publish(channel,
              json{{"n", i}, {"pad", std::string(85 + (i * 37) % 115, 'x')}});
  }

  // The client reads promptly: everything handed to the link is written,
  // round after round, until nothing more comes.
  void read_all() {
    for (int round = 0; round < 1'000 && link->close_code == 0; ++round) {
      auto seen = link->batches.size();
      write(session);
      run();
      if (link->batches.size() == seen && link->written == link->delivered)
        break;
    }
  }

  session_detail::session_state& state() {
    return deref<session_detail::session_actor>(session).state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_resume_tests, fixture)

// Before the session stated its room, the channel sent a first chunk of
// 32 KiB to any client: a cap below that closed a prompt reader with 1013.
CAF_TEST(a resume under a 4 KiB cap gets every update in order then live) {
  limits.queue_bytes = 4 * 1024;
  start();
  self->send(session, subscribe_request{"resume.small", uint64_t{10},
                                        std::nullopt, "1"});
  run();
  // Its first batch arrived, so its reservation has ended.
  CAF_CHECK_EQUAL(state().reserved_bytes, 0u);
  read_all();
  CAF_CHECK_EQUAL(link->close_code, 0);
  CAF_CHECK_LESS_OR_EQUAL(link->max_unwritten, limits.queue_bytes);
  auto all = link->all();
  CAF_REQUIRE_GREATER(all.size(), 2u);
  CAF_CHECK_EQUAL(all[1].at("type"), "subscribed");
  CAF_CHECK_EQUAL(all[1].at("recovered"), true);
  CAF_CHECK_EQUAL(update_seqs(*link), range(11, 110));
  // The updates really were ~170-300 B frames, more than the cap together.
  uint64_t bytes = 0;
  for (auto& m : all)
    if (m.value("type", "") == "update") {
      auto size = m.dump().size();
      CAF_CHECK_GREATER_OR_EQUAL(size, 170u);
      CAF_CHECK_LESS_OR_EQUAL(size, 300u);
      bytes += size;
    }
  CAF_CHECK_GREATER(bytes, 4u * limits.queue_bytes);
  publish(channel, json{{"n", 111}});
  read_all();
  CAF_CHECK_EQUAL(update_seqs(*link), range(11, 111));
  CAF_CHECK_EQUAL(link->close_code, 0);
  // Every grant and the first chunk's room were released on arrival.
  CAF_CHECK_EQUAL(state().reserved_bytes, 0u);
  CAF_CHECK(state().reserved.empty());
  self->send(session, closed_atom::value);
  run();
}

// With no room below half the cap when it subscribes, the session states 0:
// the channel sends only `subscribed` and waits for demand.
CAF_TEST(a resume with no room yet waits for demand) {
  limits.queue_bytes = 4 * 1024;
  start();
  self->send(session, reply_atom::value,
             make_frame('"' + std::string(1'900, 'x') + '"'));
  run();
  auto before = link->batches.size();
  self->send(session, subscribe_request{"resume.small", uint64_t{10},
                                        std::nullopt, "1"});
  run();
  CAF_REQUIRE_EQUAL(link->batches.size(), before + 1);
  CAF_REQUIRE_EQUAL(link->batches.back().size(), 1u);
  CAF_CHECK_EQUAL(link->batches.back()[0].at("type"), "subscribed");
  read_all();
  CAF_CHECK_EQUAL(link->close_code, 0);
  CAF_CHECK_LESS_OR_EQUAL(link->max_unwritten, limits.queue_bytes);
  CAF_CHECK_EQUAL(update_seqs(*link), range(11, 110));
  CAF_CHECK_EQUAL(state().reserved_bytes, 0u);
  self->send(session, closed_atom::value);
  run();
}

// With the default cap the session states the whole first chunk: a resume
// of 100 updates is still one batch led by its `subscribed`.
CAF_TEST(a resume under the default cap is one batch) {
  start();
  auto before = link->batches.size();
  self->send(session, subscribe_request{"resume.small", uint64_t{10},
                                        std::nullopt, "1"});
  run();
  CAF_REQUIRE_EQUAL(link->batches.size(), before + 1);
  auto& batch = link->batches.back();
  CAF_REQUIRE_EQUAL(batch.size(), 101u);
  CAF_CHECK_EQUAL(batch[0].at("type"), "subscribed");
  CAF_CHECK_EQUAL(update_seqs(*link), range(11, 110));
  CAF_CHECK_EQUAL(state().reserved_bytes, 0u);
  self->send(session, closed_atom::value);
  run();
}

CAF_TEST_FIXTURE_SCOPE_END()
