#pragma once

#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "actors/atoms.hpp"
#include "actors/auth/claims.hpp"

// What the session actor needs to enforce a connection's rights: the
// message that replaces its claims and the `forbidden` answer.
namespace tidewire {

// (auth_atom, auth::claims): net/ verified a token (at the handshake or in an
// `auth` message); the session checks every later subscribe and publish
// against these claims and sends `welcome` again.
using auth_atom = caf::atom_constant<caf::atom("auth")>;

// {"type":"error","code":"forbidden","channel":...,"message":...,"id":...}
frame forbidden_frame(const std::string& channel, const std::string& action,
                      const std::string& id_json);

} // namespace tidewire

// Claims never leave their node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tidewire::auth::claims)
