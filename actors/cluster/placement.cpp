#include "actors/cluster/placement.hpp"

#include <algorithm>
#include <tuple>

namespace tidewire::cluster {

namespace {

// FNV-1a over the bytes, then a 64-bit finaliser (the splitmix64 mix): FNV
// alone leaves names differing in their last byte with close hashes, which
// would make one member win most channels of a common prefix.
uint64_t fnv1a(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

} // namespace

uint64_t rendezvous_score(std::string_view member, std::string_view channel) {
  auto h = fnv1a(0xcbf29ce484222325ULL, member);
  h = fnv1a(h, std::string_view{"\0", 1}); // "ab"+"c" differs from "a"+"bc"
  return mix(fnv1a(h, channel));
}

std::vector<std::string> preference_list(const std::string& channel,
                                         std::vector<std::string> members) {
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  std::vector<std::pair<uint64_t, std::string>> scored;
  scored.reserve(members.size());
  for (auto& m : members)
    scored.emplace_back(rendezvous_score(m, channel), std::move(m));
  // Ties (vanishingly rare) are broken by name so every node agrees.
  std::sort(scored.begin(), scored.end(), [](auto& x, auto& y) {
    return std::tie(y.first, x.second) < std::tie(x.first, y.second);
  });
  std::vector<std::string> out;
  out.reserve(scored.size());
  for (auto& [score, name] : scored)
    out.push_back(std::move(name));
  return out;
}

placement place(const std::string& channel,
                const std::vector<std::string>& live_members) {
  auto order = preference_list(channel, live_members);
  placement p;
  if (!order.empty())
    p.owner = order[0];
  if (order.size() > 1)
    p.replica = order[1];
  return p;
}

} // namespace tidewire::cluster
