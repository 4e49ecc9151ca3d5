#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tidewire::cluster {

// Where one channel lives: the owner assigns seqs and persists, the replica
// persists a copy. Empty strings when there are not enough live members.
struct placement {
  std::string owner;
  std::string replica;
};

// The score of `member` for `channel` under rendezvous (highest random
// weight) hashing: a fixed function of the two names, identical on every
// node and across builds (no std::hash).
uint64_t rendezvous_score(std::string_view member, std::string_view channel);

// Every member in `members`, best first, for `channel`. Each member's rank
// depends only on its own score, so removing a member moves only the
// channels it owned or replicated, and adding one moves only those it now
// heads.
std::vector<std::string> preference_list(const std::string& channel,
                                         std::vector<std::string> members);

// Owner = first of the preference list over the live members, replica =
// second.
placement place(const std::string& channel,
                const std::vector<std::string>& live_members);

} // namespace tidewire::cluster
