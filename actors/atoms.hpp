#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/frame.hpp"

namespace tidewire {

// CAF 0.17 atoms (at most 10 characters). The predefined caf:: atoms
// (get, publish, subscribe, ping, ok, ...) are used where they fit.
using caf::get_atom;
using caf::ok_atom;
using caf::publish_atom;
using caf::subscribe_atom;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsub")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using written_atom = caf::atom_constant<caf::atom("written")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using reply_atom = caf::atom_constant<caf::atom("reply")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using state_atom = caf::atom_constant<caf::atom("state")>;
using open_atom = caf::atom_constant<caf::atom("open")>;
using append_atom = caf::atom_constant<caf::atom("append")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using trim_atom = caf::atom_constant<caf::atom("trim")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using catchup_atom = caf::atom_constant<caf::atom("catchup")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;
using role_atom = caf::atom_constant<caf::atom("role")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
// Conflation of a slow subscriber's state-channel patches (actors/session.hpp).
using conflate_atom = caf::atom_constant<caf::atom("conflate")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using loaded_atom = caf::atom_constant<caf::atom("loaded")>;
using summary_atom = caf::atom_constant<caf::atom("summary")>;

} // namespace tidewire

// Frames only ever travel between actors of one process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tidewire::frame)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tidewire::frame>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tidewire::frame_batch)
