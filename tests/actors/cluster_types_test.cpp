#define CAF_SUITE actors.cluster_types
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/cluster/messages.hpp"
#include "actors/cluster/types.hpp"
#include "actors/errors.hpp"

using namespace tidewire;

namespace {

struct cluster_config : caf::actor_system_config {
  cluster_config() {
    cluster::register_cluster_types(*this);
  }
};

struct fixture : test_coordinator_fixture<cluster_config> {
  // Serialises `x` as a message element, as the middleman does for a peer,
  // and reads it back. Fails for a type CAF does not know by name.
  template <class T>
  T round_trip(const T& x) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    auto msg = caf::make_message(x);
    auto err = sink(msg);
    CAF_REQUIRE(!err);
    caf::binary_deserializer source{sys, buf};
    caf::message out;
    err = source(out);
    CAF_REQUIRE(!err);
    CAF_REQUIRE(out.match_elements<T>());
    return out.get_as<T>(0);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_types_tests, fixture)

CAF_TEST(a batch crosses with its records and epoch and generation and version) {
  cluster::batch b;
  b.channel = "trades";
  b.epoch = "ab12cd34ef567890";
  b.generation = 7;
  b.head = 12;
  b.first = 3;
  b.records = {{11, 1700000000000, R"({"px":1})", ""},
               {12, 1700000000001, R"({"px":2})", ""}};
  auto out = round_trip(b);
  CAF_CHECK_EQUAL(out.version, cluster::protocol_version);
  CAF_CHECK_EQUAL(out.channel, "trades");
  CAF_CHECK_EQUAL(out.epoch, b.epoch);
  CAF_CHECK_EQUAL(out.generation, 7u);
  CAF_CHECK_EQUAL(out.head, 12u);
  CAF_CHECK_EQUAL(out.first, 3u);
  CAF_REQUIRE_EQUAL(out.records.size(), 2u);
  CAF_CHECK_EQUAL(out.records[1].seq, 12u);
  CAF_CHECK_EQUAL(out.records[1].ts, 1700000000001);
  CAF_CHECK_EQUAL(out.records[1].data, R"({"px":2})");
}

CAF_TEST(every cross-node request and answer is registered) {
  auto snap = round_trip(cluster::snapshot{cluster::protocol_version, "s.a",
                                           "state", "e1", 3, 9, 2, 5,
                                           R"({"a":1})"});
  CAF_CHECK_EQUAL(snap.kind, "state");
  CAF_CHECK_EQUAL(snap.generation, 3u);
  CAF_CHECK_EQUAL(snap.state, R"({"a":1})");
  auto follow = round_trip(
    cluster::follow_request{cluster::protocol_version, "s.a", 4, true, ""});
  CAF_CHECK_EQUAL(follow.generation, 4u);
  CAF_CHECK(follow.replica);
  auto fetch = round_trip(
    cluster::fetch_request{cluster::protocol_version, "s.a", 5, 9, 512});
  CAF_CHECK_EQUAL(fetch.from, 5u);
  CAF_CHECK_EQUAL(fetch.to, 9u);
  auto pub = round_trip(
    cluster::publish_request{cluster::protocol_version, "s.a", R"({"x":1})", ""});
  CAF_CHECK_EQUAL(pub.data_json, R"({"x":1})");
  auto res = round_trip(
    cluster::publish_result{cluster::protocol_version, "s.a", 10, "e1"});
  CAF_CHECK_EQUAL(res.seq, 10u);
  auto rep = round_trip(cluster::replicate_request{
    cluster::batch{cluster::protocol_version, "s.a", "e1", 2, 1, 1,
                   {{1, 1, "{}", ""}}}});
  CAF_CHECK_EQUAL(rep.updates.records.size(), 1u);
  auto ack = round_trip(cluster::replicated{cluster::protocol_version, "s.a", 1});
  CAF_CHECK_EQUAL(ack.stored_head, 1u);
  auto claim = round_trip(
    cluster::claim_request{cluster::protocol_version, "s.a", 6});
  CAF_CHECK_EQUAL(claim.generation, 6u);
  auto resolve = round_trip(
    cluster::resolve_request{cluster::protocol_version, "s.a", true});
  CAF_CHECK(resolve.any_role);
  auto resolved = round_trip(
    cluster::resolved{cluster::protocol_version, "s.a", caf::actor{}});
  CAF_CHECK_EQUAL(resolved.channel, "s.a");
  auto ensure = round_trip(
    cluster::ensure_request{cluster::protocol_version, "s.a"});
  CAF_CHECK_EQUAL(ensure.channel, "s.a");
  round_trip(cluster::unfollow_request{cluster::protocol_version, "s.a"});
}

CAF_TEST(errors cross with their code and message) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto err = make_error(errc::unavailable, "no quorum");
  CAF_REQUIRE(!sink(err));
  caf::binary_deserializer source{sys, buf};
  caf::error out;
  CAF_REQUIRE(!source(out));
  CAF_CHECK_EQUAL(error_code(out), "unavailable");
  CAF_CHECK_EQUAL(error_message(out), "no quorum");
}

CAF_TEST(each type is known to CAF under its tidewire name) {
  auto& types = sys.types();
  auto name = [&](const std::type_info& ti) {
    return types.portable_name(0, &ti);
  };
  CAF_CHECK_EQUAL(name(typeid(cluster::batch)), "tidewire.batch");
  CAF_CHECK_EQUAL(name(typeid(std::vector<storage::record>)),
                  "std::vector<tidewire.record>");
  CAF_CHECK_EQUAL(name(typeid(cluster::snapshot)), "tidewire.snapshot");
  CAF_CHECK_EQUAL(name(typeid(cluster::follow_request)),
                  "tidewire.follow_request");
  CAF_CHECK_EQUAL(name(typeid(cluster::claim_request)),
                  "tidewire.claim_request");
  CAF_CHECK_EQUAL(name(typeid(cluster::publish_request)),
                  "tidewire.publish_request");
}

CAF_TEST_FIXTURE_SCOPE_END()
