#define CAF_SUITE actors.placement
#include "caf/test/unit_test.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <map>
#include <string>
#include <vector>

#include "actors/cluster/placement.hpp"

using namespace tidewire::cluster;

namespace {

std::vector<std::string> channels(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back("positions.acct" + std::to_string(i));
  return out;
}

const std::vector<std::string> four{"n1", "n2", "n3", "n4"};

} // namespace

CAF_TEST(the preference list orders every member once and is the same for any input order) {
  auto a = preference_list("trades", {"n3", "n1", "n2"});
  auto b = preference_list("trades", {"n2", "n3", "n1", "n2"});
  CAF_CHECK_EQUAL(a.size(), 3u);
  CAF_CHECK(a == b);
  auto p = place("trades", {"n1", "n2", "n3"});
  CAF_CHECK_EQUAL(p.owner, a[0]);
  CAF_CHECK_EQUAL(p.replica, a[1]);
  CAF_CHECK_NOT_EQUAL(p.owner, p.replica);
}

CAF_TEST(one member owns everything and has no replica; none places nothing) {
  auto p = place("trades", {"n1"});
  CAF_CHECK_EQUAL(p.owner, "n1");
  CAF_CHECK_EQUAL(p.replica, "");
  auto none = place("trades", {});
  CAF_CHECK_EQUAL(none.owner, "");
}

CAF_TEST(scores are a fixed function of the names) {
  // Every node must compute the same placement, in every build: no
  // std::hash, no seed. These values pin the function.
  CAF_CHECK_EQUAL(rendezvous_score("n1", "trades"),
                  rendezvous_score("n1", "trades"));
  CAF_CHECK_NOT_EQUAL(rendezvous_score("n1", "trades"),
                      rendezvous_score("n2", "trades"));
  CAF_CHECK_NOT_EQUAL(rendezvous_score("ab", "c"), rendezvous_score("a", "bc"));
}

CAF_TEST(ownership spreads over the members) {
  std::map<std::string, size_t> owned;
  for (auto& ch : channels(3000))
    ++owned[place(ch, {"n1", "n2", "n3"}).owner];
  CAF_REQUIRE_EQUAL(owned.size(), 3u);
  for (auto& [member, n] : owned) {
    CAF_MESSAGE(member << " owns " << n);
    CAF_CHECK_GREATER(n, 800u);
    CAF_CHECK_LESS(n, 1200u);
  }
}

CAF_TEST(removing a member moves only the channels it owned or replicated) {
  size_t moved = 0;
  for (auto& ch : channels(2000)) {
    auto before = place(ch, four);
    auto after = place(ch, {"n1", "n2", "n4"}); // n3 is gone
    if (before.owner != "n3" && before.replica != "n3") {
      CAF_CHECK_EQUAL(after.owner, before.owner);
      CAF_CHECK_EQUAL(after.replica, before.replica);
    } else {
      ++moved;
      if (before.owner == "n3") // its replica takes over: it has the history
        CAF_CHECK_EQUAL(after.owner, before.replica);
      else
        CAF_CHECK_EQUAL(after.owner, before.owner);
    }
  }
  // About half the channels have n3 as owner or replica (2 of 4 slots).
  CAF_CHECK_GREATER(moved, 700u);
  CAF_CHECK_LESS(moved, 1300u);
}

CAF_TEST(adding a member moves only the channels it now owns or replicates) {
  for (auto& ch : channels(2000)) {
    auto before = place(ch, {"n1", "n2", "n3"});
    auto after = place(ch, four);
    if (after.owner != "n4" && after.replica != "n4") {
      CAF_CHECK_EQUAL(after.owner, before.owner);
      CAF_CHECK_EQUAL(after.replica, before.replica);
    } else if (after.owner == "n4") {
      // The old owner becomes the replica: it hands over its history.
      CAF_CHECK_EQUAL(after.replica, before.owner);
    }
  }
}
