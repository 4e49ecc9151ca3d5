#pragma once

#include <cstdint>
#include <string>

#include "actors/atoms.hpp"
#include "actors/config.hpp"
#include "storage/record.hpp"

// Encoders of the server-to-client messages of protocol v1 (JSON
// subprotocol). `id_json` is a request id as JSON text, "" for none; `*_json`
// arguments are already valid JSON text and are embedded as values.
namespace tidewire::frames {

frame welcome(const std::string& node, const std::string& session,
              const session_limits& limits);
frame subscribed(const std::string& channel, const std::string& kind,
                 const std::string& epoch, uint64_t seq, bool recovered,
                 const std::string& id_json);
frame update(const std::string& channel, const storage::record& rec);
// An update of a state channel whose `data` is several patches composed
// into one (a slow subscriber's, see docs/protocol.md): `seq` is the last
// one it covers, and "conflated": true tells the client to expect the jump.
frame conflated_update(const std::string& channel, uint64_t seq, int64_t ts,
                       const std::string& data_json);
frame snapshot(const std::string& channel, uint64_t seq,
               const std::string& epoch, const std::string& data_json);
frame unsubscribed(const std::string& channel, const std::string& id_json);
frame published(const std::string& channel, uint64_t seq,
                const std::string& epoch, const std::string& id_json);
frame pong(const std::string& id_json);
frame error(const std::string& code, const std::string& message,
            const std::string& id_json);
// An `error` about one subscription: also names its channel.
frame channel_error(const std::string& channel, const std::string& code,
                    const std::string& message, const std::string& id_json);
// A second `subscribed` (recovered: false) for a subscription whose catch-up
// found seqs missing_from..missing_to trimmed by retention: they will never
// come; what follows starts afresh (see docs/protocol.md).
frame subscribed_gap(const std::string& channel, const std::string& kind,
                     const std::string& epoch, uint64_t seq,
                     uint64_t missing_from, uint64_t missing_to,
                     const std::string& id_json);

} // namespace tidewire::frames
