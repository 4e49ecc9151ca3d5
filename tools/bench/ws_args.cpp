#include "ws_args.hpp"

#include <string_view>

#include "flag_text.hpp"

namespace tidewire::bench {

namespace {

// Upper bounds of the flags: large enough for a big machine, small enough
// that a typo cannot ask for a day-long run or more sockets than ports.
constexpr size_t max_subscribers = 25'000;
constexpr uint64_t max_count = 10'000'000;
constexpr double max_seconds = 600;
constexpr double max_rate = 1'000'000;
constexpr size_t max_payload = 60'000; // below the node's default --max-frame
constexpr size_t max_window = 100'000;
constexpr size_t max_http_clients = 256;
constexpr size_t max_threads = 64;
constexpr size_t max_connect_window = 25'000;

// "100,1000,4000": a comma-separated list of numbers in [min, max].
bool parse_list(std::string_view text, size_t min, size_t max,
                std::vector<size_t>* out) {
  out->clear();
  while (!text.empty()) {
    auto comma = text.find(',');
    size_t n = 0;
    if (!parse_number(text.substr(0, comma), min, max, &n))
      return false;
    out->push_back(n);
    text = comma == std::string_view::npos ? std::string_view{}
                                           : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty())
      return false;
  }
  return !out->empty();
}

bool parse_scenarios(std::string_view text, ws_args* out) {
  out->fanout = out->memory = out->http = out->storm = false;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto name = text.substr(0, comma);
    if (name == "fanout")
      out->fanout = true;
    else if (name == "memory")
      out->memory = true;
    else if (name == "http")
      out->http = true;
    else if (name == "storm")
      out->storm = true;
    else
      return false;
    text = comma == std::string_view::npos ? std::string_view{}
                                           : text.substr(comma + 1);
  }
  return out->fanout || out->memory || out->http || out->storm;
}

} // namespace

bool parse_ws_args(int argc, char** argv, ws_args* out, std::string* error) {
  return read_flags(argc, argv, &out->help, error,
                    [out](flag_text flag) -> std::optional<bool> {
    auto [name, value, ok] = flag;
    if (name == "--node") {
      ok = ok && !value.empty();
      out->node = std::string{value};
    } else if (name == "--node-flag") {
      ok = ok && value.substr(0, 2) == "--";
      out->node_flags.emplace_back(value);
    } else if (name == "--connect") {
      auto colon = value.rfind(':');
      ok = ok && colon != std::string_view::npos && colon > 0
           && parse_number<uint16_t>(value.substr(colon + 1), 1, 65535,
                                     &out->connect.port);
      out->connect.host = std::string{value.substr(0, colon)};
    } else if (name == "--subscribers") {
      ok = ok && parse_list(value, 1, max_subscribers, &out->subscribers);
    } else if (name == "--rate") {
      ok = ok && parse_number(value, 0.1, max_rate, &out->rate);
    } else if (name == "--count") {
      ok = ok && parse_number<uint64_t>(value, 1, max_count, &out->count);
    } else if (name == "--seconds") {
      ok = ok && parse_number(value, 0.1, max_seconds, &out->seconds);
    } else if (name == "--payload") {
      ok = ok && parse_number<size_t>(value, 16, max_payload, &out->payload);
    } else if (name == "--channel") {
      ok = ok && !value.empty();
      out->channel = std::string{value};
    } else if (name == "--window") {
      ok = ok && parse_number<size_t>(value, 1, max_window, &out->window);
    } else if (name == "--connect-window") {
      ok = ok && parse_number<size_t>(value, 1, max_connect_window,
                                      &out->connect_window);
    } else if (name == "--protocol") {
      ok = ok && (value == "json" || value == "msgpack");
      out->msgpack = value == "msgpack";
    } else if (name == "--behind") {
      ok = ok && parse_number<uint64_t>(value, 1, max_count, &out->behind);
    } else if (name == "--http-clients") {
      ok = ok && parse_list(value, 1, max_http_clients, &out->http_clients);
    } else if (name == "--threads") {
      ok = ok && parse_number<size_t>(value, 1, max_threads, &out->threads);
    } else if (name == "--timeout") {
      ok = ok && parse_number(value, 1.0, max_seconds, &out->timeout);
    } else if (name == "--scenarios") {
      ok = ok && parse_scenarios(value, out);
    } else {
      return std::nullopt;
    }
    return ok;
  });
}

const char* ws_usage() {
  return "usage: ws_bench [--node=PATH | --connect=ADDR:PORT] [flags]\n"
         "\n"
         "End-to-end benchmark over real WebSockets against a tidewire node\n"
         "on this machine. By default it starts a fresh node for every\n"
         "scenario (--host=127.0.0.1 --port=0 --simulate=false\n"
         "--durability=wal, a new temporary --data-dir) and stops it with\n"
         "SIGTERM afterwards.\n"
         "\n"
         "  fanout   N subscribers on one channel; one WebSocket publisher at a\n"
         "           fixed rate, each update carrying its send time: updates\n"
         "           delivered/s and publish-to-receive latency; every\n"
         "           subscriber must get every seq once and in order\n"
         "  memory   the node's RSS with no clients and with N idle subscribed\n"
         "           connections: bytes per connection (needs a started node)\n"
         "  http     publishes/s and latency of POST /api/v1/channels/C/messages\n"
         "           from K keep-alive connections, one request in flight each\n"
         "  storm    (only when named) a reconnect storm: N subscribers drop at\n"
         "           once, --behind updates are published, and N resume at once\n"
         "           from the seq they had: time until all caught up; each must\n"
         "           be recovered and get exactly its missing updates\n"
         "\n"
         "  --node=PATH           node binary (build/tools/tidewire)\n"
         "  --node-flag=--X=Y     extra node flag, repeatable (e.g. a larger\n"
         "                        --queue-bytes); printed with the results\n"
         "  --connect=ADDR:PORT   use a running node at this numeric address\n"
         "                        instead; no memory rows\n"
         "  --scenarios=LIST      any of fanout,memory,http,storm\n"
         "                        (fanout,memory,http)\n"
         "  --subscribers=LIST    subscriber counts for fanout, memory and storm\n"
         "                        (100,1000,4000; each at most 25000)\n"
         "  --rate=R              target publishes per second (1000)\n"
         "  --count=N             publishes per fanout or http scenario (5000)\n"
         "  --seconds=S           publish phase limit per scenario (5)\n"
         "  --payload=BYTES       update data size (100)\n"
         "  --channel=NAME        a stream channel (trades)\n"
         "  --window=N            WebSocket publishes awaiting their ack, at\n"
         "                        most (128; the node refuses more than its\n"
         "                        --max-publishes-in-flight, 256)\n"
         "  --behind=K            storm: updates missed while away (100)\n"
         "  --connect-window=N    connections handshaking at once, at most\n"
         "                        (128): clients reconnecting with a bounded\n"
         "                        backlog; larger stresses the node's accept\n"
         "  --protocol=json|msgpack  the subprotocol every connection speaks (json)\n"
         "  --http-clients=LIST   HTTP publishing connections (1,16)\n"
         "  --threads=N           the bench's network threads (2)\n"
         "  --timeout=S           limit of each wait: connecting, catching up,\n"
         "                        closing (30); a scenario past it is an error\n"
         "  --help                this text\n"
         "\n"
         "Prints Markdown tables; exits 1 if a scenario failed, 2 on a bad\n"
         "flag.\n";
}

} // namespace tidewire::bench
