#include "tools/node/handshake_watch.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <map>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

namespace tidewire::node {

namespace {

using started_atom = caf::atom_constant<caf::atom("hsstart")>;
using ended_atom = caf::atom_constant<caf::atom("hsend")>;
using expired_atom = caf::atom_constant<caf::atom("hsexpire")>;

// Set once, before the cluster port is published; never freed, so no
// static destructor runs after the actor system is gone.
std::atomic<caf::actor*> watch{nullptr};

struct pending {
  int fd = -1;
  std::string peer;
};

struct watch_state {
  static inline const char* name = "tidewire.handshake_watch";
  std::map<uint64_t, pending> handshakes;
  // At most a few log lines per window, like the TLS failure lines.
  caf::actor_clock::time_point window_start;
  int lines = 0;
  int suppressed = 0;
};

using watch_actor = caf::stateful_actor<watch_state>;

void log_drop(watch_actor* self, const pending& p,
              std::chrono::milliseconds timeout) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (now - st.window_start > std::chrono::seconds(10)) {
    st.window_start = now;
    st.lines = 0;
  }
  if (++st.lines > 5) {
    ++st.suppressed;
    return;
  }
  std::string line = "tidewire: cluster: TLS with " + p.peer
                     + " (accepting) unfinished after "
                     + std::to_string(timeout.count()) + " ms; closed";
  if (st.suppressed > 0)
    line += "; " + std::to_string(std::exchange(st.suppressed, 0))
            + " more not logged";
  std::fprintf(stderr, "%s\n", line.c_str());
}

caf::behavior watch_behavior(watch_actor* self,
                             std::chrono::milliseconds timeout) {
  return {
    [self, timeout](started_atom, uint64_t id, int fd, std::string& peer) {
      self->state.handshakes[id] = pending{fd, std::move(peer)};
      self->delayed_send(self, timeout, expired_atom::value, id);
    },
    [self](ended_atom, uint64_t id) { self->state.handshakes.erase(id); },
    [self, timeout](expired_atom, uint64_t id) {
      auto& hs = self->state.handshakes;
      auto it = hs.find(id);
      if (it == hs.end())
        return;
      auto p = std::move(it->second);
      hs.erase(it);
      // CAF may have closed the connection a moment ago (its `ended` not
      // here yet) and the descriptor gone to a new one: only the same peer
      // is cut.
      if (peer_address(p.fd) != p.peer)
        return;
      ::shutdown(p.fd, SHUT_RDWR);
      log_drop(self, p, timeout);
    },
  };
}

} // namespace

caf::actor spawn_handshake_watch(caf::actor_system& sys,
                                 std::chrono::milliseconds timeout) {
  auto actor = sys.spawn(watch_behavior, timeout);
  watch.store(new caf::actor(actor), std::memory_order_release);
  return actor;
}

void handshake_started(uint64_t id, int fd, const std::string& peer) {
  if (auto* w = watch.load(std::memory_order_acquire))
    caf::anon_send(*w, started_atom::value, id, fd, peer);
}

void handshake_ended(uint64_t id) {
  if (auto* w = watch.load(std::memory_order_acquire))
    caf::anon_send(*w, ended_atom::value, id);
}

std::string peer_address(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return "an unknown peer";
  char host[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return std::string{host} + ":" + std::to_string(ntohs(in->sin_port));
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
  inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
  return "[" + std::string{host} + "]:" + std::to_string(ntohs(in6->sin6_port));
}

} // namespace tidewire::node
