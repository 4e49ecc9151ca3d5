// tidewire-replay replay: re-publishes a channel's records through a node's
// HTTP API (POST /api/v1/channels/{name}/messages), keeping their original
// spacing divided by --speed, or as fast as possible with --speed=max.

#include <chrono>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"
#include "tools/replay/http_client.hpp"
#include "tools/replay/ws_client.hpp"
#include "tools/replay/progress.hpp"

namespace tidewire::replay {

const char* const replay_help =
  R"(usage: tidewire-replay replay CHANNEL --to=http://HOST:PORT|ws://HOST:PORT
         [--protocol=json|msgpack] [--into=CHANNEL2] [--speed=FACTOR|max] [--from=SEQ] [--to=SEQ]
         [--since=TIME] [--until=TIME] [--limit=N] [--data-dir=DIR]

Reads CHANNEL's records from the store at DIR and publishes each record's
data, in seq order, to the node at the URL (to CHANNEL2, default CHANNEL).
The node assigns new seqs. Records are spaced by their original time
differences divided by --speed (1 = real time, 10 = ten times faster;
default 1); --speed=max sends the next one as soon as the previous one is
acknowledged.

--to is both the target and the last seq: a value starting with http:// or
ws:// is the node URL (--target=URL is the same), a number is the last seq.
With http:// each record is an HTTP publish; with ws:// all go over one
WebSocket as `publish` messages, in JSON or, with --protocol=msgpack, in
MessagePack (tidewire.v1.msgpack; numbers arrive exactly either way).

Progress goes to stderr (a bar on a terminal, otherwise a line every 5 s);
the final count goes to stdout. Fails (exit 1) when the node cannot be
reached or refuses a publish, naming the seq.
)";

int cmd_replay(const args_t& argv, std::ostream& out, std::ostream& err) {
  auto args = parse_args(argv, {{"to", "target", "into", "speed", "from",
                                 "since", "until", "limit", "protocol"},
                                {},
                                {}});
  if (args.positional.size() != 1)
    throw usage_error("replay takes exactly one CHANNEL");
  // Split --to into the URL and the seq bound.
  parsed_args range;
  std::optional<std::string> url = args.get("target");
  for (auto& v : args.all("to"))
    if (v.rfind("http", 0) == 0 || v.rfind("ws", 0) == 0)
      url = v;
    else
      range.add("to", v);
  for (const char* f : {"from", "since", "until"})
    if (auto v = args.get(f))
      range.add(f, *v);
  if (!url)
    throw usage_error("replay needs the target node: --to=http://HOST:PORT");
  // http:// publishes with POST, ws:// over one WebSocket (JSON, or
  // MessagePack with --protocol=msgpack).
  const bool websocket = url->rfind("ws://", 0) == 0;
  const bool msgpack = msgpack_protocol(args.get_or("protocol", "json"));
  if (!websocket && args.get("protocol"))
    throw usage_error("--protocol needs a ws:// target");
  const std::string target_text = *url;
  double speed = 1;
  auto speed_text = args.get_or("speed", "1");
  if (speed_text != "max") {
    try {
      size_t used = 0;
      speed = std::stod(speed_text, &used);
      if (used != speed_text.size() || !(speed > 0))
        throw std::invalid_argument("speed");
    } catch (const std::exception&) {
      throw usage_error("--speed expects a positive factor or max, got '"
                        + speed_text + "'");
    }
  }
  auto limit = args.get_u64("limit").value_or(UINT64_MAX);
  check_range_flags(range);

  auto store = open_for_reading(args.get_or("data-dir", default_data_dir));
  auto meta = find_channel(*store, args.positional[0]);
  auto sel = select_range(range, meta);
  auto into = args.get_or("into", meta.name);
  auto path = "/api/v1/channels/" + into + "/messages";

  std::unique_ptr<http_client> http;
  std::unique_ptr<ws_client> ws;
  if (websocket)
    ws = std::make_unique<ws_client>(parse_ws_url(*url), msgpack);
  else
    http = std::make_unique<http_client>(parse_http_url(*url));
  // Fail early, before reading anything.
  if (ws)
    ws->connect();
  else
    http->connect();
  uint64_t total = std::min<uint64_t>(sel.to - sel.from + 1, limit);
  progress_bar bar{err, is_terminal(err), total, "replay " + meta.name};
  bool tty = is_terminal(err);
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto last_report = start;
  int64_t first_ts = 0;
  uint64_t sent = 0, last_seq = 0, first_new = 0, last_new = 0;
  for_each_record(*store, meta.id, sel.from, sel.to,
                  [&](const storage::record& rec) {
                    if (sent >= limit)
                      return false;
                    if (!sel.matches(rec))
                      return true;
                    if (sent == 0)
                      first_ts = rec.ts;
                    if (speed_text != "max") {
                      auto due = start
                                 + std::chrono::microseconds(static_cast<int64_t>(
                                   (rec.ts - first_ts) * 1000.0 / speed));
                      std::this_thread::sleep_until(due);
                    }
                    nlohmann::json ack;
                    if (ws) {
                      auto reply = ws->publish(into, rec.data);
                      ack = nlohmann::json::parse(reply, nullptr, false);
                      if (ack.value("type", "") != "published")
                        throw runtime_error("the node refused seq "
                                            + std::to_string(rec.seq) + ": "
                                            + reply);
                    } else {
                      auto res = http->post(path, rec.data);
                      if (res.status != 200)
                        throw runtime_error("the node refused seq "
                                            + std::to_string(rec.seq) + " ("
                                            + std::to_string(res.status)
                                            + "): " + res.body);
                      ack = nlohmann::json::parse(res.body, nullptr, false);
                    }
                    if (ack.is_object() && ack.contains("seq")) {
                      last_new = ack["seq"].get<uint64_t>();
                      if (sent == 0)
                        first_new = last_new;
                    }
                    ++sent;
                    last_seq = rec.seq;
                    bar.update(sent);
                    auto now = clock::now();
                    if (!tty && now - last_report >= std::chrono::seconds(5)) {
                      err << "replay " << meta.name << ": " << sent << '/'
                          << total << " records\n";
                      last_report = now;
                    }
                    return true;
                  });
  bar.finish();
  if (sent == 0)
    throw runtime_error("no records of " + meta.name
                        + " match the selection (" + retained_text(meta)
                        + ")");
  auto secs = std::chrono::duration<double>(clock::now() - start).count();
  out << "replayed " << sent << " records of " << meta.name << " (seqs "
      << sel.from << ".." << last_seq << ") into " << into << " at "
      << target_text << " as seqs " << first_new << ".." << last_new << " in "
      << secs << " s\n";
  return exit_ok;
}

} // namespace tidewire::replay
