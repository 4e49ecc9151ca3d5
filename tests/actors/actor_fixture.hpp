#pragma once

// Shared fixture of the actor suites. Include after caf/test/dsl.hpp.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/atoms.hpp"
#include "actors/channel.hpp"
#include "actors/messages.hpp"
#include "actors/store.hpp"
#include "storage/replay_store.hpp"

namespace tidewire::test {

using json = nlohmann::json;

// Everything a fake session actor was sent, decoded.
struct inbox {
  std::vector<json> messages;
  std::vector<uint64_t> sub_ids;
  size_t deliveries = 0; // deliver messages: one per batch of frames
  size_t documents = 0;  // of them, batches flagged as carrying a document
  size_t conflatable = 0; // (conflate_atom, sub_id) notices

  // One deliver message: its frames decoded, in order.
  void record(uint64_t sub_id, const frame_batch& frames, bool document) {
    ++deliveries;
    if (document)
      ++documents;
    for (auto& f : *frames) {
      messages.push_back(json::parse(f->json()));
      sub_ids.push_back(sub_id);
    }
  }

  // The messages of one type, in arrival order.
  std::vector<json> of_type(const std::string& type) const {
    std::vector<json> out;
    for (auto& m : messages)
      if (m.value("type", "") == type)
        out.push_back(m);
    return out;
  }

  // `key` of the first message of `type` (a copy: safe inside CAF_CHECK).
  json field(const std::string& type, const std::string& key) const {
    for (auto& m : messages)
      if (m.value("type", "") == type)
        return m.value(key, json{});
    return json{};
  }

  std::vector<uint64_t> update_seqs() const {
    std::vector<uint64_t> out;
    for (auto& m : of_type("update"))
      out.push_back(m.at("seq").get<uint64_t>());
    return out;
  }
};

// Seqs from..to, both included: what a subscriber expects to have seen.
inline std::vector<uint64_t> range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(i);
  return out;
}

// A stand-in for a session actor: records every delivered frame.
inline caf::behavior recorder(caf::event_based_actor*,
                              std::shared_ptr<inbox> box) {
  return {
    [box](deliver_atom, uint64_t sub_id, const frame_batch& frames,
          uint64_t) { box->record(sub_id, frames, false); },
    // A batch carrying a whole document (credited against the session's
    // cap): recorded like any other.
    [box](deliver_atom, uint64_t sub_id, const frame_batch& frames, uint64_t,
          bool) { box->record(sub_id, frames, true); },
    // A state channel says its patches may be conflated.
    [box](conflate_atom, uint64_t) { ++box->conflatable; },
    // Always ready for the next catch-up chunk.
    [](catchup_atom, uint64_t sub_id) {
      return caf::make_message(catchup_atom::value, sub_id,
                               uint64_t{1} << 30);
    },
  };
}

// A fresh directory under the system temp dir, removed at destruction.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path()
                        / "tidewire-actors-XXXXXX")
                         .string();
    path = mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

struct actor_fixture : test_coordinator_fixture<> {
  temp_dir dir;
  std::shared_ptr<storage::replay_store> store;
  store_actors stores;

  void open_store() {
    std::unique_ptr<storage::replay_store> opened;
    storage::open_options options;
    options.path = (dir.path / "data").string();
    options.mode = storage::durability::wal;
    auto st = storage::replay_store::open(options, &opened);
    CAF_REQUIRE(st.ok());
    store = std::move(opened);
    stores = spawn_store_actors(sys, store, false);
  }

  // Kills the store actors and closes the store, as a node shutdown does.
  void close_store() {
    anon_send_exit(stores.writer, caf::exit_reason::user_shutdown);
    anon_send_exit(stores.reader, caf::exit_reason::user_shutdown);
    run();
    stores = {};
    store.reset();
  }

  // The deterministic scheduler fires every pending timeout in run(), so
  // periodic timers are off in these suites.
  static channel_limits test_limits() {
    channel_limits limits;
    limits.trim_interval = std::chrono::milliseconds(0);
    return limits;
  }

  // The channel named exactly as `decl` declares it, on the fixture's store.
  caf::actor make_declared(const channel_decl& decl,
                           channel_limits limits = test_limits()) {
    auto ch = spawn_channel(sys, channel_params{decl.pattern, decl, limits,
                                                stores.writer, stores.reader,
                                                std::nullopt, {}});
    run();
    return ch;
  }

  caf::actor make_channel(const std::string& name, const std::string& kind,
                          channel_limits limits = test_limits()) {
    channel_decl decl;
    decl.pattern = name;
    decl.kind = kind;
    return make_declared(decl, limits);
  }

  std::pair<caf::actor, std::shared_ptr<inbox>> make_subscriber() {
    auto box = std::make_shared<inbox>();
    auto sub = sys.spawn(recorder, box);
    run();
    return {sub, box};
  }

  publish_ack publish(const caf::actor& ch, const json& data) {
    self->send(ch, publish_atom::value, data.dump());
    run();
    publish_ack result;
    self->receive([&](publish_ack& ack) { result = ack; },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("no publish_ack"); });
    return result;
  }

  void subscribe(const caf::actor& ch, const caf::actor& session,
                 uint64_t sub_id, std::optional<uint64_t> since = {},
                 std::optional<std::string> epoch = {}) {
    subscribe_request req{"", since, epoch, ""};
    self->send(ch, subscribe_atom::value, session, sub_id, req);
    run();
  }

  template <class T, class... Ts>
  T ask(const caf::actor& dest, Ts... xs) {
    self->send(dest, xs...);
    run();
    T result{};
    self->receive([&](T& x) { result = std::move(x); },
                  [&](caf::error& err) {
                    CAF_FAIL("unexpected error: " << caf::to_string(err));
                  },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("no reply"); });
    return result;
  }
};

} // namespace tidewire::test
