#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "net/metrics.hpp"
#include "net/server.hpp"
#include "net/session_registry.hpp"

// Everything the network objects of one server share (the chat server's
// `shared_state`). Owned through shared_ptr by the server and by every
// connection, so the io_context outlives every socket that uses it.
namespace tidewire::net {

struct server_state {
  server_state(caf::actor_system& sys, caf::actor directory,
               caf::actor membership, server_config cfg);

  caf::actor_system& sys;
  caf::actor directory;  // released by server::stop(), see there
  caf::actor membership; // likewise
  const server_config cfg;
  boost::asio::io_context ioc; // before `registry`, which takes a strand of it
  metrics stats;
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  session_registry registry;

  // A fresh connection id (logs, session ids); any thread.
  uint64_t next_conn_id();

  // The session id sent in `welcome`: unique per process run.
  std::string session_id(uint64_t conn_id) const;

private:
  std::atomic<uint64_t> next_conn_id_{1};
  std::string session_prefix_;
};

} // namespace tidewire::net
