// The fan-out and memory scenarios, over real WebSockets:
//
//   publisher ──publish {t: send time}──▶ node ──update (batched)──▶ subscriber × N
//       ◀──────────── published {seq} ────┘
//
//   1. the publisher connects; N subscribers connect and subscribe, at most
//      --connect-window handshaking at once
//   2. the publisher publishes at the target rate until its count or time is
//      used up, and waits for every answer
//   3. every subscriber is told the last acknowledged seq and reaches
//      `finished` once it has it
//   4. everyone closes, the network threads stop, and only then are the
//      connections' summaries checked and merged

#include "ws_scenario.hpp"

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "io_pool.hpp"
#include "ws_publisher.hpp"
#include "ws_subscriber.hpp"

namespace tidewire::bench {

namespace {

// Closing is quick on loopback; waiting longer only delays the next run.
constexpr double close_timeout = 10;

// Lets the node finish the work a burst of connections left (actors
// starting or stopping, buffers freed) before its RSS is read.
constexpr auto settle = std::chrono::milliseconds(500);

using client_list = std::vector<std::shared_ptr<ws_client>>;

// A wait that did not reach its goal, described once the connections'
// errors can be read.
struct stage_failure {
  std::string stage;
  wait_result why = wait_result::reached;
  double limit = 0;    // seconds
  std::string reached; // "937 of 1001 ready"

  std::string describe(const std::string& first_error) const {
    if (why == wait_result::timed_out)
      return stage + ": not done within its " + fmt("%.0f", limit) + " s, "
             + reached;
    return stage + ": " + first_error;
  }
};

// A deadline `seconds` from now, kept with its length for the message.
struct time_limit {
  explicit time_limit(double s)
    : seconds(s),
      deadline(clock_type::now()
               + std::chrono::duration_cast<clock_type::duration>(
                 std::chrono::duration<double>(s))) {
  }
  double seconds;
  clock_type::time_point deadline;
};

// Waits for `n` connections to reach `p`; on failure fills *failed.
bool await(progress& prog, phase p, size_t n, const time_limit& limit,
           const char* stage, stage_failure* failed) {
  auto r = prog.wait(p, n, limit.deadline);
  if (r == wait_result::reached)
    return true;
  *failed = {stage, r, limit.seconds,
             std::to_string(prog.reached(p)) + " of " + std::to_string(n)
               + (p == phase::ready ? " ready" : " done")};
  return false;
}

// Opens `n` subscribers into *out, at most `window` handshaking at once
// (the node accepts on a few threads; a burst of thousands would only wait
// in the kernel's backlog, on the clock of the node's 10 s handshake
// limit); `ready_before` connections of `prog` were ready already.
bool open_subscribers(io_pool& pool, const boost::asio::ip::tcp::endpoint& ep,
                      progress& prog, const std::string& channel, size_t n,
                      size_t ready_before, size_t window, bool msgpack,
                      const time_limit& limit,
                      std::vector<std::shared_ptr<ws_subscriber>>* out,
                      stage_failure* failed) {
  for (size_t i = 0; i < n; ++i) {
    if (i >= window
        && !await(prog, phase::ready, ready_before + i + 1 - window,
                  limit, "subscribing", failed)) {
      failed->reached = std::to_string(prog.reached(phase::ready)) + " of "
                        + std::to_string(ready_before + n) + " ready";
      return false;
    }
    out->push_back(std::make_shared<ws_subscriber>(
      pool.context(), ep, prog, channel, std::nullopt, msgpack));
    out->back()->start();
  }
  return await(prog, phase::ready, ready_before + n, limit, "subscribing",
               failed);
}

// Closes every connection, waits a bounded time for their read loops to
// end, and stops the network threads. Returns how many had not ended.
size_t close_all(io_pool& pool, progress& prog, const client_list& clients) {
  for (auto& c : clients)
    c->close();
  prog.wait(phase::closed, clients.size(), time_limit{close_timeout}.deadline,
            true);
  auto left = clients.size() - std::min(clients.size(), prog.reached(phase::closed));
  pool.stop();
  return left;
}

// "subscriber 17: closed by the node with 1013": the first failure.
std::string first_error(const std::vector<std::shared_ptr<ws_subscriber>>& subs) {
  for (size_t i = 0; i < subs.size(); ++i)
    if (!subs[i]->error().empty())
      return "subscriber " + std::to_string(i + 1) + ": " + subs[i]->error();
  return "a connection failed";
}

// Checks the subscribers against the publisher's acks and fills in the
// delivery figures; false with res->error at the first subscriber that did
// not get every acknowledged seq exactly once, in order.
bool check_deliveries(const publisher_summary& ps,
                      const std::vector<std::shared_ptr<ws_subscriber>>& subs,
                      fanout_result* res) {
  latency_histogram latency;
  auto last_at = ps.first_send;
  for (size_t i = 0; i < subs.size(); ++i) {
    const auto& ss = subs[i]->summary();
    bool complete = ss.out_of_order == 0 && ss.updates == ps.acked
                    && (ps.acked == 0
                        || (ss.head + 1 == ps.first_seq && ss.last_seq == ps.last_seq));
    if (!complete) {
      res->error = "subscriber " + std::to_string(i + 1) + " got "
                   + std::to_string(ss.updates) + " updates for "
                   + std::to_string(ps.acked) + " acknowledged publishes";
      if (ss.out_of_order > 0)
        res->error += ", " + std::to_string(ss.out_of_order)
                      + " out of order (first: " + ss.first_disorder + ")";
      return false;
    }
    res->delivered += ss.updates;
    res->messages += ss.messages;
    latency.merge(ss.latency);
    last_at = std::max(last_at, ss.last_at);
  }
  res->deliver_seconds = std::chrono::duration<double>(last_at - ps.first_send).count();
  res->latency_p50_us = latency.quantile_us(0.50);
  res->latency_p99_us = latency.quantile_us(0.99);
  res->latency_max_us = static_cast<double>(latency.max_us());
  return true;
}

} // namespace

fanout_result run_fanout(const node_address& node, const fanout_params& what,
                         const run_limits& limits) {
  fanout_result res;
  res.what = what;
  boost::asio::ip::tcp::endpoint ep;
  if (!to_endpoint(node, &ep, &res.error))
    return res;
  io_pool pool{limits.threads};
  progress prog;
  auto pub = std::make_shared<ws_publisher>(
    pool.context(), ep, prog,
    publish_plan{what.channel, what.rate, what.count, what.seconds,
                 what.payload, what.window},
    limits.msgpack);
  std::vector<std::shared_ptr<ws_subscriber>> subs;
  stage_failure failed;

  pub->start();
  bool ok = await(prog, phase::ready, 1, time_limit{limits.timeout},
                  "connecting the publisher", &failed)
            && open_subscribers(pool, ep, prog, what.channel, what.subscribers,
                                1, limits.connect_window, limits.msgpack,
                                time_limit{limits.timeout}, &subs, &failed);
  if (ok) {
    pub->begin();
    ok = await(prog, phase::finished, 1, time_limit{what.seconds + limits.timeout},
               "publishing", &failed);
  }
  if (ok) {
    for (auto& s : subs)
      s->expect(pub->last_seq());
    ok = await(prog, phase::finished, 1 + subs.size(), time_limit{limits.timeout},
               "delivering", &failed);
  }
  client_list all(subs.begin(), subs.end());
  all.push_back(pub);
  auto unclosed = close_all(pool, prog, all);

  if (!ok) {
    res.error = failed.describe(pub->error().empty() ? first_error(subs)
                                                     : "publisher: " + pub->error());
    return res;
  }
  const auto& ps = pub->summary();
  res.published = ps.acked;
  res.publish_seconds =
    std::chrono::duration<double>(ps.last_ack - ps.first_send).count();
  res.ack_p99_us = ps.ack_latency.quantile_us(0.99);
  if (ps.rejected > 0)
    res.error = std::to_string(ps.rejected) + " of " + std::to_string(ps.sent)
                + " publishes refused, first: " + ps.first_rejection;
  else if (ps.seq_gap)
    res.error = "the acknowledged seqs were not consecutive";
  else if (check_deliveries(ps, subs, &res) && unclosed > 0)
    res.error = std::to_string(unclosed) + " connections did not close within "
                + fmt("%.0f", close_timeout) + " s";
  return res;
}

namespace {

// CPU time of this whole process (every client thread of the run).
double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

} // namespace

storm_result run_storm(const node_address& node, const node_process* process,
                       const storm_params& what, const run_limits& limits) {
  storm_result res;
  res.what = what;
  boost::asio::ip::tcp::endpoint ep;
  if (!to_endpoint(node, &ep, &res.error))
    return res;
  io_pool pool{limits.threads};
  progress prog;
  // As fast as the window allows: the updates only need to be there.
  auto pub = std::make_shared<ws_publisher>(
    pool.context(), ep, prog,
    publish_plan{what.channel, 1e9, what.behind, limits.timeout, what.payload,
                 what.window},
    limits.msgpack);
  std::vector<std::shared_ptr<ws_subscriber>> first;
  std::vector<std::shared_ptr<ws_subscriber>> resumed;
  stage_failure failed;
  const auto n = what.subscribers;

  pub->start();
  bool ok = await(prog, phase::ready, 1, time_limit{limits.timeout},
                  "connecting the publisher", &failed)
            && open_subscribers(pool, ep, prog, what.channel, n, 1,
                                limits.connect_window, limits.msgpack,
                                time_limit{limits.timeout}, &first, &failed);
  uint64_t since = 0;
  if (ok) {
    since = first.front()->summary().head; // all saw the same quiet head
    auto t0 = clock_type::now();
    for (auto& s : first)
      s->close();
    ok = await(prog, phase::closed, n, time_limit{limits.timeout},
               "dropping", &failed);
    res.drop_seconds = seconds_since(t0);
  }
  if (ok) {
    pub->begin();
    ok = await(prog, phase::finished, 1, time_limit{limits.timeout * 2},
               "publishing", &failed);
  }
  clock_type::time_point storm_start{};
  double node_cpu_before = 0;
  double bench_cpu_before = 0;
  if (ok) {
    node_cpu_before = process ? process->cpu_seconds() : 0;
    bench_cpu_before = own_cpu_seconds();
    storm_start = clock_type::now();
    auto last = pub->last_seq();
    // Like open_subscribers, at most connect_window handshakes at once, so
    // the storm is as fast as clients that reconnect with a bounded backlog.
    const auto window = limits.connect_window;
    for (size_t i = 0; i < n && ok; ++i) {
      if (i >= window)
        ok = await(prog, phase::ready, 1 + n + i + 1 - window,
                   time_limit{limits.timeout}, "resubscribing", &failed);
      if (!ok)
        break;
      resumed.push_back(std::make_shared<ws_subscriber>(
        pool.context(), ep, prog, what.channel, since, limits.msgpack));
      resumed.back()->start();
      resumed.back()->expect(last);
    }
    ok = ok
         && await(prog, phase::finished, 1 + n, time_limit{limits.timeout},
                  "catching up", &failed);
    if (process)
      res.node_cpu_seconds = process->cpu_seconds() - node_cpu_before;
    res.bench_cpu_seconds = own_cpu_seconds() - bench_cpu_before;
  }
  client_list all(resumed.begin(), resumed.end());
  all.push_back(pub);
  for (auto& s : first)
    all.push_back(s); // closed already: close() is a no-op then
  auto unclosed = close_all(pool, prog, all);

  if (!ok) {
    auto err = pub->error().empty() ? first_error(resumed.empty() ? first : resumed)
                                    : "publisher: " + pub->error();
    res.error = failed.describe(err);
    return res;
  }
  const auto& ps = pub->summary();
  auto last_at = storm_start;
  for (size_t i = 0; i < resumed.size(); ++i) {
    const auto& ss = resumed[i]->summary();
    if (ss.out_of_order != 0 || ss.updates != ps.acked
        || ss.last_seq != since + ps.acked) {
      res.error = "resumed subscriber " + std::to_string(i + 1) + " got "
                  + std::to_string(ss.updates) + " updates for "
                  + std::to_string(ps.acked) + " missing"
                  + (ss.out_of_order ? ", first out of order: " + ss.first_disorder
                                     : std::string{});
      return res;
    }
    res.delivered += ss.updates;
    last_at = std::max(last_at, ss.last_at);
  }
  res.catchup_seconds = std::chrono::duration<double>(last_at - storm_start).count();
  if (ps.rejected > 0)
    res.error = std::to_string(ps.rejected) + " publishes refused, first: "
                + ps.first_rejection;
  else if (unclosed > 0)
    res.error = std::to_string(unclosed) + " connections did not close within "
                + fmt("%.0f", close_timeout) + " s";
  return res;
}

memory_result run_memory(const node_process& node, size_t connections,
                         const std::string& channel, const run_limits& limits) {
  memory_result res;
  res.connections = connections;
  boost::asio::ip::tcp::endpoint ep;
  if (!to_endpoint(node.address(), &ep, &res.error))
    return res;
  io_pool pool{limits.threads};
  progress prog;
  std::vector<std::shared_ptr<ws_subscriber>> subs;
  stage_failure failed;

  std::this_thread::sleep_for(settle);
  res.rss_before = node.rss_bytes();
  bool ok = open_subscribers(pool, ep, prog, channel, connections, 0,
                             limits.connect_window, limits.msgpack,
                             time_limit{limits.timeout}, &subs, &failed);
  if (ok) {
    std::this_thread::sleep_for(settle);
    res.rss_open = node.rss_bytes();
  }
  client_list all(subs.begin(), subs.end());
  auto unclosed = close_all(pool, prog, all);
  std::this_thread::sleep_for(settle);
  res.rss_after = node.rss_bytes();

  if (!ok)
    res.error = failed.describe(first_error(subs));
  else if (res.rss_before == 0 || res.rss_open == 0 || res.rss_after == 0)
    res.error = "cannot read the node's VmRSS";
  else if (unclosed > 0)
    res.error = std::to_string(unclosed) + " connections did not close within "
                + fmt("%.0f", close_timeout) + " s";
  return res;
}

} // namespace tidewire::bench
