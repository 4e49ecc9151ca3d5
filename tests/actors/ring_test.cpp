#define CAF_SUITE actors.ring
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include "actors/errors.hpp"
#include "actors/frames.hpp"
#include "actors/update_ring.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

// An update whose data is a JSON string of `n` bytes in all.
json payload(size_t n) {
  return json(std::string(n - 2, 'x'));
}

// What one such update costs in the ring (its seq's digits aside).
size_t entry_bytes(size_t n) {
  storage::record rec{1, 0, payload(n).dump(), ""};
  return update_ring::bytes_of(rec, frames::update("trades", rec));
}

std::vector<uint64_t> seqs(const history_page& page) {
  std::vector<uint64_t> out;
  for (auto& r : page.updates)
    out.push_back(r.seq);
  return out;
}

} // namespace

CAF_TEST(the ring never holds more bytes than its bound and keeps the newest) {
  auto one = entry_bytes(1000);
  update_ring ring{4096, 3 * one + one / 2};
  for (uint64_t seq = 1; seq <= 20; ++seq) {
    storage::record rec{seq, 0, payload(1000).dump(), ""};
    ring.push(rec, frames::update("trades", rec));
    CAF_CHECK_LESS_OR_EQUAL(ring.bytes(), 3 * one + one / 2);
  }
  CAF_CHECK_EQUAL(ring.size(), 3u);
  CAF_CHECK_EQUAL(ring.first_seq(), 18u);
  CAF_CHECK_EQUAL(ring.last_seq(), 20u);
  // The count bound still holds when the byte bound is far away.
  update_ring counted{2, 1 << 30};
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    storage::record rec{seq, 0, "1", ""};
    counted.push(rec, frames::update("trades", rec));
  }
  CAF_CHECK_EQUAL(counted.size(), 2u);
  CAF_CHECK_EQUAL(counted.first_seq(), 4u);
  // A gap empties the ring, and its bytes with it.
  storage::record far{9, 0, payload(1000).dump(), ""};
  ring.push(far, frames::update("trades", far));
  CAF_CHECK_EQUAL(ring.size(), 1u);
  CAF_CHECK_EQUAL(ring.bytes(), update_ring::bytes_of(far, frames::update("trades", far)));
}

CAF_TEST_FIXTURE_SCOPE(ring_tests, actor_fixture)

CAF_TEST(memory only: history and resumes reach back as far as the ring bytes allow) {
  auto limits = test_limits();
  auto one = entry_bytes(1000);
  limits.ring_bytes = 4 * one + one / 2; // four updates, not five
  auto ch = make_channel("trades", "stream", limits); // no store
  for (int i = 1; i <= 10; ++i)
    publish(ch, payload(1000));
  auto page = ask<history_page>(ch, history_atom::value, uint64_t{0},
                                uint64_t{100});
  CAF_CHECK_EQUAL(seqs(page), (std::vector<uint64_t>{7, 8, 9, 10}));
  CAF_CHECK_EQUAL(page.first, 7u);
  CAF_CHECK_EQUAL(page.head, 10u);
  // A resume from inside the ring is served; one from before it is not.
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{6}, page.epoch);
  CAF_CHECK_EQUAL(box->field("subscribed", "recovered"), json(true));
  CAF_CHECK_EQUAL(box->update_seqs(), (std::vector<uint64_t>{7, 8, 9, 10}));
  auto [s2, box2] = make_subscriber();
  subscribe(ch, s2, 1, uint64_t{5}, page.epoch);
  CAF_CHECK_EQUAL(box2->field("subscribed", "recovered"), json(false));
}

CAF_TEST(memory only: an update larger than the bound on its own is not kept) {
  auto limits = test_limits();
  limits.ring_bytes = entry_bytes(1000);
  auto ch = make_channel("trades", "stream", limits);
  publish(ch, payload(100));
  auto big = publish(ch, payload(5000));
  CAF_CHECK_EQUAL(big.seq, 2u);
  auto page = ask<history_page>(ch, history_atom::value, uint64_t{0},
                                uint64_t{100});
  CAF_CHECK(page.updates.empty());
  CAF_CHECK_EQUAL(page.first, 3u); // nothing retained: head + 1
  // The ring fills again from the next update.
  publish(ch, payload(100));
  page = ask<history_page>(ch, history_atom::value, uint64_t{0}, uint64_t{100});
  CAF_CHECK_EQUAL(seqs(page), (std::vector<uint64_t>{3}));
}

CAF_TEST(with a store updates that left the ring are read from the store) {
  open_store();
  auto limits = test_limits();
  auto one = entry_bytes(1000);
  limits.ring_bytes = 3 * one + one / 2; // three updates
  auto ch = make_channel("trades", "stream", limits);
  for (int i = 1; i <= 10; ++i)
    publish(ch, payload(1000));
  // Everything is still there: the old part comes from the store.
  auto page = ask<history_page>(ch, history_atom::value, uint64_t{0},
                                uint64_t{100});
  CAF_CHECK_EQUAL(seqs(page), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8,
                                                     9, 10}));
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{0}, page.epoch);
  CAF_CHECK_EQUAL(box->update_seqs(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6,
                                                             7, 8, 9, 10}));
  // Without the store reader, only what the ring holds can be served: the
  // newest three updates, and nothing older.
  anon_send_exit(stores.reader, caf::exit_reason::user_shutdown);
  run();
  auto recent = ask<history_page>(ch, history_atom::value, uint64_t{7},
                                  uint64_t{100});
  CAF_CHECK_EQUAL(seqs(recent), (std::vector<uint64_t>{8, 9, 10}));
  self->send(ch, history_atom::value, uint64_t{6}, uint64_t{100});
  run();
  bool failed = false;
  self->receive([&](history_page&) {},
                [&](caf::error&) { failed = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(failed); // seq 7 left the ring: the read went to the store
}

CAF_TEST_FIXTURE_SCOPE_END()
