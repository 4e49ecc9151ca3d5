// In-process tests of tidewire_replay_cmds: time and flag parsing, and the
// subcommands run as functions over ostreams against a store written with
// the storage API in a temporary directory.
#define CAF_SUITE replay.cmds

#include "caf/test/unit_test_impl.hpp"

#include <filesystem>
#include <sstream>

#include "storage/data_dir.hpp"
#include "storage/replay_store.hpp"
#include "tools/replay/args.hpp"
#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"
#include "tools/replay/time_text.hpp"

using namespace tidewire;
using namespace tidewire::replay;

namespace {

struct result {
  int code;
  std::string out, err;
};

result run(const std::vector<std::string>& argv) {
  std::ostringstream out, err;
  int code = run_command(argv, out, err);
  return {code, out.str(), err.str()};
}

// A store with channel "t" (stream, seqs 1..3) and "s" (state, 1..2).
struct store_fixture {
  std::string dir;
  store_fixture() {
    if (!storage::data_dir::make_temp_dir("tidewire-replay-test-", &dir).ok())
      CAF_FAIL("no temp dir");
    dir += "/data";
    std::unique_ptr<storage::replay_store> store;
    storage::open_options opts;
    opts.path = dir;
    CAF_REQUIRE(storage::replay_store::open(opts, &store).ok());
    storage::channel_meta t, s;
    CAF_REQUIRE(store->create_channel("t", "stream", &t).ok());
    t.head = 3;
    t.last_ts = 1'700'000'002'000;
    CAF_REQUIRE(store->append(t, {{1, 1'700'000'000'000, R"({"n":1})", ""},
                                  {2, 1'700'000'001'000, R"({"n":2})", ""},
                                  {3, 1'700'000'002'000, R"({"n":3})", ""}})
                  .ok());
    CAF_REQUIRE(store->create_channel("s", "state", &s).ok());
    s.head = 2;
    s.last_ts = 1'700'000'001'000;
    s.state = R"({"a":1,"b":2})";
    s.state_seq = 2;
    CAF_REQUIRE(store->append(s, {{1, 1'700'000'000'000, R"({"a":1})", ""},
                                  {2, 1'700'000'001'000, R"({"b":2})", ""}})
                  .ok());
  }
  ~store_fixture() {
    storage::data_dir::remove_tree(std::filesystem::path{dir}.parent_path());
  }
  std::string flag() const { return "--data-dir=" + dir; }
};

} // namespace

CAF_TEST(times parse as ISO-8601 or epoch ms) {
  CAF_CHECK_EQUAL(parse_time("2026-11-25T14:02:00Z"), 1795615320000);
  CAF_CHECK_EQUAL(parse_time("2026-11-25T14:02:00.250Z"), 1795615320250);
  CAF_CHECK_EQUAL(parse_time("2026-11-25T15:02:00+01:00"), 1795615320000);
  CAF_CHECK_EQUAL(parse_time("2026-11-25"), 1795564800000);
  CAF_CHECK_EQUAL(parse_time("1795615320000"), 1795615320000);
  CAF_CHECK(!parse_time("2026-02-30T00:00:00Z"));
  CAF_CHECK(!parse_time("2026-11-25T14:02:00X"));
  CAF_CHECK(!parse_time("soon"));
  CAF_CHECK_EQUAL(iso_time(1795615320250), "2026-11-25T14:02:00.250Z");
}

CAF_TEST(flags take = or the next argument) {
  auto a = parse_args({"x", "--from", "3", "--to=5", "-f", "-n", "2"},
                      {{"from", "to", "lines"}, {"follow"},
                       {{"-n", "lines"}, {"-f", "follow"}}});
  CAF_CHECK_EQUAL(a.positional, std::vector<std::string>{"x"});
  CAF_CHECK_EQUAL(a.get_u64("from"), 3u);
  CAF_CHECK_EQUAL(a.get_u64("to"), 5u);
  CAF_CHECK_EQUAL(a.get_u64("lines"), 2u);
  CAF_CHECK(a.has("follow"));
  try {
    parse_args({"--nope=1"}, {});
    CAF_FAIL("accepted an unknown flag");
  } catch (const tool_error& e) {
    CAF_CHECK_EQUAL(e.code, exit_usage);
  }
}

CAF_TEST(subcommands run in-process) {
  store_fixture f;
  auto show = run({"show", "t", "--from", "2", f.flag()});
  CAF_CHECK_EQUAL(show.code, 0);
  CAF_CHECK_EQUAL(show.out, "{\"seq\":2,\"ts\":1700000001000,\"data\":{\"n\":2}}\n"
                            "{\"seq\":3,\"ts\":1700000002000,\"data\":{\"n\":3}}\n");
  auto state = run({"show", "s", "--state-at=1", f.flag()});
  CAF_CHECK_EQUAL(state.out, "{\"a\":1}\n");
  auto verify = run({"verify", f.flag()});
  CAF_CHECK_EQUAL(verify.code, 0);
  CAF_CHECK_EQUAL(verify.out, "ok: 2 channels, 5 records\n");
  auto unknown = run({"show", "zz", f.flag()});
  CAF_CHECK_EQUAL(unknown.code, exit_runtime);
  CAF_CHECK(unknown.err.find("unknown channel 'zz' (this store has: s, t)")
            != std::string::npos);
  auto usage = run({"show", "t", "--limit"});
  CAF_CHECK_EQUAL(usage.code, exit_usage);
  auto help = run({"stats", "--help"});
  CAF_CHECK_EQUAL(help.code, 0);
  CAF_CHECK(help.out.rfind("usage: tidewire-replay stats", 0) == 0);
}
