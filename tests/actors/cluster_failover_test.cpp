#define CAF_SUITE actors.cluster_failover
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

// Ownership changes: promotion of the replica, fencing of a stale owner,
// claims by a rejoining owner, forwarded publishes across a move.

#include "tests/actors/cluster_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

CAF_TEST_FIXTURE_SCOPE(cluster_failover_tests, cluster_fixture)

CAF_TEST(owner lost: the replica owns the channel from its own history with the next seq) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto on2 = subscribe_via("n2", ch);
  auto on3 = subscribe_via("n3", ch);
  std::string epoch;
  for (int i = 1; i <= 3; ++i)
    epoch = publish_via("n3", ch, json{{"i", i}}).epoch;
  CAF_CHECK_EQUAL(info("n2", ch).cluster.ownership_changes, 0u);
  auto generation = info("n2", ch).cluster.generation;
  kill("n1");
  auto ack = publish_via("n3", ch, json{{"i", 4}});
  CAF_CHECK_EQUAL(ack.seq, 4u);
  CAF_CHECK_EQUAL(ack.epoch, epoch);
  publish_via("n2", ch, json{{"i", 5}});
  // For /metrics: n2 became the owner (one change, next generation) and
  // waited for its new replica n3 with both publishes.
  auto promoted = info("n2", ch).cluster;
  CAF_CHECK_EQUAL(promoted.role, "owner");
  CAF_CHECK_EQUAL(promoted.ownership_changes, 1u);
  CAF_CHECK_EQUAL(promoted.generation, generation + 1);
  CAF_CHECK_EQUAL(promoted.replicated, 2u);
  CAF_CHECK_EQUAL(info("n3", ch).cluster.role, "replica");
  CAF_CHECK_EQUAL(on2->update_seqs(), iota(1, 5));
  CAF_CHECK_EQUAL(on3->update_seqs(), iota(1, 5));
  // n3 is the replica now and has the whole history.
  CAF_CHECK_EQUAL(stored_meta("n3", ch).head, 5u);
  CAF_CHECK_EQUAL(stored_meta("n3", ch).epoch, epoch);
  CAF_CHECK_EQUAL(stored_records("n3", ch).size(), 5u);
  auto infos = ask<std::vector<channel_info>>(nodes.at("n3").directory,
                                              list_atom::value);
  for (auto& i : infos)
    if (i.name == ch) {
      CAF_CHECK_EQUAL(i.owner, "n2");
      CAF_CHECK_EQUAL(i.replica, "n3");
    }
}

CAF_TEST(a stale owner is fenced and a rejoining owner takes the newest history back) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto on3 = subscribe_via("n3", ch);
  for (int i = 1; i <= 3; ++i)
    publish_via("n1", ch, json{{"i", i}});
  // n2 and n3 lose n1; n1 still believes it owns the channel.
  up.erase("n1");
  send_view("n2");
  send_view("n3");
  self->send(get("n1", ch), publish_atom::value, json{{"stale", 4}}.dump());
  run_bounded(300);
  bool answered = false;
  self->receive([&](publish_ack&) { answered = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(!answered); // never acknowledged: the new owner refuses it
  CAF_CHECK_EQUAL(on3->update_seqs(), iota(1, 3)); // and nobody saw it
  // The stale publish sits in n1's store as seq 4: a tail nobody else has.
  CAF_CHECK_EQUAL(stored_meta("n1", ch).head, 4u);
  kill("n1");
  CAF_CHECK_EQUAL(publish_via("n3", ch, json{{"i", 4}}).seq, 4u);
  CAF_CHECK_EQUAL(publish_via("n2", ch, json{{"i", 5}}).seq, 5u);
  CAF_CHECK_EQUAL(on3->update_seqs(), iota(1, 5));
  // n1 restarts with its store and rejoins: it catches up from n2, which
  // held the channel meanwhile, before it owns it again.
  start("n1");
  up.insert("n1");
  for (auto& n : names) // membership sees n1 everywhere at about once
    self->send(nodes.at(n).directory, view_of(n, true));
  run();
  auto page = ask<history_page>(get("n1", ch), history_atom::value,
                                uint64_t{0}, uint64_t{100});
  CAF_REQUIRE_EQUAL(page.updates.size(), 5u);
  CAF_CHECK_EQUAL(page.updates[3].data, json({{"i", 4}}).dump());
  CAF_CHECK_EQUAL(page.head, 5u);
  auto ack = publish_via("n3", ch, json{{"i", 6}});
  CAF_CHECK_EQUAL(ack.seq, 6u);
  CAF_CHECK_EQUAL(on3->update_seqs(), iota(1, 6));
  auto recs = stored_records("n1", ch);
  CAF_REQUIRE_EQUAL(recs.size(), 6u);
  CAF_CHECK_EQUAL(recs[3].data, json({{"i", 4}}).dump());
  CAF_CHECK_EQUAL(stored_meta("n2", ch).head, 6u); // n2 replicates again
  auto infos = ask<std::vector<channel_info>>(nodes.at("n1").directory,
                                              list_atom::value);
  for (auto& i : infos)
    if (i.name == ch)
      CAF_CHECK_EQUAL(i.owner, "n1");
}

CAF_TEST(the owner waits for the replica its view names and not the last follower that believed it was one) {
  auto ch = channel_placed("c.", "n1", "n2");
  get("n1", ch); // the owner starts and makes n2 follow as its replica
  // For a moment n3 does not see n2: it believes it is the replica and
  // follows as one, after n2 did.
  up.erase("n2");
  send_view("n3");
  get("n3", ch);
  // Then n3 sees n2 again and follows as a relay.
  up.insert("n2");
  send_view("n3");
  // The owner still has n2 as its replica: the publish is acknowledged
  // (before, n3's retraction left the owner without a replica, waiting).
  auto ack = publish_via("n3", ch, json{{"i", 1}});
  CAF_CHECK_EQUAL(ack.seq, 1u);
  CAF_CHECK_EQUAL(stored_meta("n2", ch).head, 1u);
}

CAF_TEST(a publish forwarded to an owner that moves is answered unavailable at once) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto relay = get("n3", ch);
  publish_via("n3", ch, json{{"i", 1}});
  // The owner cannot answer soon: its replica is gone, so it waits.
  anon_send_exit(get("n2", ch), caf::exit_reason::kill);
  run_bounded(20);
  self->send(relay, publish_atom::value, json{{"i", 2}}.dump());
  run_bounded(5); // forwarded; the owner holds it for its replica
  // n3's membership sees n1 go: the relay's owner changes, and the
  // forwarded publish is answered now, not after the forward's timeout.
  up.erase("n1");
  self->send(nodes.at("n3").directory, view_of("n3", true));
  run_bounded(3);
  caf::error err;
  self->receive([&](publish_ack&) { CAF_FAIL("acknowledged"); },
                [&](caf::error& e) { err = e; },
                caf::after(std::chrono::seconds(0)) >>
                  [] { CAF_FAIL("the forwarded publish was not answered"); });
  CAF_CHECK_EQUAL(error_code(err), "unavailable");
  CAF_CHECK(error_message(err).find("while the publish was forwarded")
            != std::string::npos);
}

CAF_TEST(a retried publish with its idempotency key gets the first seq from a new owner) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto first = try_publish_key("n3", ch, json{{"i", 1}}, "k-1");
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(first->seq, 1u);
  // The key went with the forward: a repeat at the owner is the same seq.
  auto again = try_publish_key("n1", ch, json{{"i", 1}}, "k-1");
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->seq, 1u);
  // The replica stored the key with the record...
  auto recs = stored_records("n2", ch);
  CAF_REQUIRE_EQUAL(recs.size(), 1u);
  CAF_CHECK_EQUAL(recs[0].key, "k-1");
  // ...so after a failover the new owner answers the retry with seq 1.
  kill("n1");
  auto retried = try_publish_key("n3", ch, json{{"i", 1}}, "k-1");
  CAF_REQUIRE(retried);
  CAF_CHECK_EQUAL(retried->seq, 1u);
  CAF_CHECK_EQUAL(retried->epoch, first->epoch);
  CAF_CHECK_EQUAL(info("n2", ch).head, 1u);
  CAF_CHECK_EQUAL(publish_via("n3", ch, json{{"i", 2}}).seq, 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
