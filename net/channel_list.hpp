#pragma once

// GET /api/v1/channels: the channels the caller may read, in name order
// (bytewise), a page at a time.
//   ?limit=N     at most N channels: 1 to max_channel_page (larger values
//                are capped), default default_channel_page
//   ?after=NAME  only channels named after NAME: the `next` of the page
//                before (it need not name a channel that still exists)
// -> {"channels":[{name,kind,epoch,head,first,subscribers,last_ts
//                  [,owner,replica]}...],"next":NAME or null}
// `next` is the last name of a page that has more channels after it, null
// on the last page. A bad limit or after is 400 bad_request.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/auth/claims.hpp"
#include "actors/messages.hpp"
#include "net/http_api.hpp"

namespace tidewire::net {

inline constexpr uint64_t default_channel_page = 1000;
inline constexpr uint64_t max_channel_page = 10000;

struct channel_page_request {
  std::string after; // "" for the first page
  uint64_t limit = default_channel_page;
};

// The paging parameters of a query string, or the 400 answer to give.
std::variant<channel_page_request, api_response>
parse_channel_page(std::string_view query);

// The answer's body: `channels` in order, `next` "" for null.
std::string channel_page_json(const std::vector<channel_info>& channels,
                              const std::string& next);

// Answers the list request with `query` for a caller with `claims`. `done`
// is called exactly once, as for handle_api.
void list_channels(caf::actor_system& sys, const caf::actor& directory,
                   std::string_view query, auth::claims claims,
                   std::function<void(api_response)> done);

} // namespace tidewire::net
