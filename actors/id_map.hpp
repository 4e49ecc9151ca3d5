#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace tidewire {

// A map from 64-bit ids to small values, as one sorted vector. A session
// has a handful of subscriptions, usually one: a node-based hash map costs
// a bucket array and a node per entry (~140 bytes for one id), this costs
// one 16-byte slot. Lookups are a binary search; inserting an id larger
// than every other (sub_ids only grow) is an append. Only the members the
// session uses are offered, named as std::map's.
template <class T>
class id_map {
public:
  using value_type = std::pair<uint64_t, T>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator begin() noexcept { return items_.begin(); }
  iterator end() noexcept { return items_.end(); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }
  size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  size_t capacity() const noexcept { return items_.capacity(); }

  iterator find(uint64_t id) {
    auto it = lower(id);
    return it != items_.end() && it->first == id ? it : items_.end();
  }
  const_iterator find(uint64_t id) const {
    auto it = const_cast<id_map*>(this)->lower(id);
    return it != items_.end() && it->first == id ? const_iterator{it}
                                                 : items_.end();
  }
  size_t count(uint64_t id) const { return find(id) != end() ? 1 : 0; }

  // The value of `id`, inserted value-initialised if missing.
  T& operator[](uint64_t id) {
    auto it = lower(id);
    if (it == items_.end() || it->first != id)
      it = items_.insert(it, value_type{id, T{}});
    return it->second;
  }

  size_t erase(uint64_t id) {
    auto it = find(id);
    if (it == items_.end())
      return 0;
    items_.erase(it);
    // Emptied: give the slot back, an idle session keeps nothing.
    if (items_.empty())
      items_.shrink_to_fit();
    return 1;
  }

  void clear() {
    items_.clear();
    items_.shrink_to_fit();
  }

private:
  iterator lower(uint64_t id) {
    return std::lower_bound(items_.begin(), items_.end(), id,
                            [](const value_type& v, uint64_t k) {
                              return v.first < k;
                            });
  }

  std::vector<value_type> items_;
};

} // namespace tidewire
