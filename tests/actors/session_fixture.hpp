#pragma once

// The fixture of the session suites (session_test.cpp,
// session_requests_test.cpp): one session over a fake link and a real
// directory. Include after caf/test/dsl.hpp.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/client_link.hpp"
#include "actors/directory.hpp"
#include "actors/session.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_link.hpp"

namespace tidewire::test {

// A directory in front of `real` that counts the channel lookups.
inline caf::behavior counting_directory(caf::event_based_actor* self,
                                        caf::actor real,
                                        std::shared_ptr<int> lookups) {
  return {
    [=](get_atom, const std::string& name) {
      ++*lookups;
      auto rp = self->make_response_promise();
      self->request(real, caf::infinite, get_atom::value, name)
        .then([rp](const caf::actor& ch) mutable { rp.deliver(ch); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

struct session_fixture : actor_fixture {
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>();
  caf::actor directory;
  session_limits limits;

  // With `lookups`, the session talks to the directory through a proxy
  // that counts the channel lookups.
  caf::actor start_session(std::shared_ptr<int> lookups = nullptr) {
    directory_config cfg;
    // The deterministic scheduler fires every pending timeout in run(), so
    // the periodic idle-channel sweep would never let it finish.
    cfg.idle_retire = std::chrono::seconds(0);
    cfg.decls = default_channel_decls();
    cfg.decls.push_back(channel_decl{"resume.*", "stream"});
    cfg.limits = test_limits();
    directory = spawn_directory(sys, cfg);
    auto dir = lookups ? sys.spawn(counting_directory, directory, lookups)
                       : directory;
    auto session = spawn_session(sys, limits, {"node-a", "s-1", {}}, link, dir);
    run();
    return session;
  }

  // The connection writes `bytes` more of what it was handed (everything by
  // default) and reports to the session if it was asked to and got that far.
  // Returns whether it reported.
  bool write(const caf::actor& session, uint64_t bytes = UINT64_MAX) {
    link->written += std::min(bytes, link->delivered - link->written);
    if (link->asked_now > 0) {
      link->asked_now = 0;
    } else {
      if (link->notify_at == 0 || link->written < link->notify_at)
        return false;
      link->notify_at = 0;
    }
    self->send(session, written_atom::value, link->written);
    run();
    return true;
  }

  void written(const caf::actor& session) {
    write(session);
    run();
  }
};

} // namespace tidewire::test
