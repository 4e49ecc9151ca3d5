#pragma once

// Drops cluster-port connections whose TLS handshake does not finish in
// time. caf::openssl has no handshake timeout: a peer that connects and
// sends nothing (or half a ClientHello) would keep its connection and its
// TLS state forever. tls_hooks.cpp reports each accepting handshake from
// CAF's multiplexer thread; the watch actor shuts down the socket of one
// still pending at its deadline, and CAF's next read then fails the
// handshake and closes the connection.

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace tidewire::node {

inline constexpr auto handshake_timeout = std::chrono::seconds(5);

// Spawns the watch and routes the reports below to it (none before).
caf::actor spawn_handshake_watch(caf::actor_system& sys,
                                 std::chrono::milliseconds timeout);

// From tls_hooks.cpp: an accepting handshake began on `fd` with `peer`, or
// ended (done, failed, or its connection freed).
void handshake_started(uint64_t id, int fd, const std::string& peer);
void handshake_ended(uint64_t id);

// "HOST:PORT" of the socket's peer, or "an unknown peer".
std::string peer_address(int fd);

} // namespace tidewire::node
