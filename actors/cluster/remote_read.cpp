#include "actors/cluster/remote_read.hpp"

#include <chrono>

#include <caf/actor_system.hpp>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"

namespace tidewire::cluster {

namespace {

constexpr auto peer_timeout = std::chrono::seconds(5);
caf::behavior remote_reader(caf::event_based_actor* self,
                            caf::actor owner_node, std::string channel,
                            caf::actor caller) {
  // A reader whose caller went away before asking must not stay.
  if (caller) {
    self->monitor(caller);
    self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  }
  auto ask = [self, owner_node, channel](read_request req, auto deliver) {
    auto rp = self->make_response_promise();
    auto fail = [self, rp](caf::error& err) mutable {
      rp.deliver(std::move(err));
      self->quit();
    };
    self->request(owner_node, peer_timeout, get_atom::value,
                  std::string{"channels"})
      .then(
        [self, rp, req, deliver, fail](const caf::actor& service) mutable {
          self->request(service, peer_timeout, req)
            .then(
              [self, rp, deliver](read_result& r) mutable {
                if (r.version != protocol_version)
                  rp.deliver(make_error(
                    errc::unavailable,
                    "the owner speaks another cluster protocol version"));
                else
                  deliver(rp, r);
                self->quit();
              },
              fail);
        },
        fail);
    return rp;
  };
  return {
    [ask, channel](history_atom, uint64_t since, uint64_t limit) {
      return ask(read_request{protocol_version, channel, false, since, limit},
                 [](caf::response_promise& rp, read_result& r) {
                   rp.deliver(std::move(r.page));
                 });
    },
    [ask, channel](state_atom) {
      return ask(read_request{protocol_version, channel, true, 0, 0},
                 [](caf::response_promise& rp, read_result& r) {
                   rp.deliver(std::move(r.doc));
                 });
    },
  };
}

} // namespace

caf::actor spawn_remote_reader(caf::actor_system& sys, caf::actor owner_node,
                               std::string channel, caf::actor caller) {
  return sys.spawn(remote_reader, std::move(owner_node), std::move(channel),
                   std::move(caller));
}

caf::result<read_result> serve_read(caf::event_based_actor* self,
                                    const caf::actor& channel,
                                    const read_request& req) {
  if (req.version != protocol_version)
    return make_error(errc::bad_request, "unsupported cluster protocol version");
  if (!channel)
    return make_error(errc::unknown_channel,
                      "channel " + req.channel + " has no updates yet");
  auto rp = self->make_response_promise<read_result>();
  auto fail = [rp](caf::error& err) mutable { rp.deliver(std::move(err)); };
  if (req.state)
    self->request(channel, peer_timeout, state_atom::value)
      .then(
        [rp](state_doc& doc) mutable {
          rp.deliver(read_result{protocol_version, {}, std::move(doc)});
        },
        fail);
  else
    self->request(channel, peer_timeout, history_atom::value, req.since,
                  req.limit)
      .then(
        [rp](history_page& page) mutable {
          rp.deliver(read_result{protocol_version, std::move(page), {}});
        },
        fail);
  return rp;
}

} // namespace tidewire::cluster
