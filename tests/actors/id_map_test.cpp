#define CAF_SUITE actors.id_map
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <map>
#include <random>

#include "actors/id_map.hpp"

using namespace tidewire;

CAF_TEST(ids inserted in any order are found and kept sorted) {
  id_map<int> m;
  m[7] = 70;
  m[3] = 30;
  m[11] = 110;
  m[5] = 50;
  CAF_CHECK_EQUAL(m.size(), 4u);
  CAF_REQUIRE(m.find(5) != m.end());
  CAF_CHECK_EQUAL(m.find(5)->second, 50);
  CAF_CHECK_EQUAL(m.find(11)->second, 110);
  CAF_CHECK(m.find(4) == m.end());
  CAF_CHECK(m.find(12) == m.end());
  CAF_CHECK_EQUAL(m.count(3), 1u);
  CAF_CHECK_EQUAL(m.count(0), 0u);
  std::vector<uint64_t> keys;
  for (auto& [k, v] : m)
    keys.push_back(k);
  CAF_CHECK_EQUAL(keys, (std::vector<uint64_t>{3, 5, 7, 11}));
  m[7] = 71; // an existing id is not inserted twice
  CAF_CHECK_EQUAL(m.size(), 4u);
  CAF_CHECK_EQUAL(m.find(7)->second, 71);
}

CAF_TEST(erase removes one id and only an existing one) {
  id_map<int> m;
  m[1] = 1;
  m[2] = 2;
  CAF_CHECK_EQUAL(m.erase(3), 0u);
  CAF_CHECK_EQUAL(m.erase(1), 1u);
  CAF_CHECK_EQUAL(m.erase(1), 0u);
  CAF_CHECK(m.find(1) == m.end());
  CAF_CHECK_EQUAL(m.find(2)->second, 2);
}

CAF_TEST(a map emptied by erase or clear holds no storage) {
  id_map<int> m;
  m[1] = 1;
  m[2] = 2;
  CAF_CHECK(m.capacity() > 0);
  m.erase(1);
  CAF_CHECK(m.capacity() > 0);
  m.erase(2);
  CAF_CHECK_EQUAL(m.capacity(), 0u);
  m[3] = 3;
  m.clear();
  CAF_CHECK(m.empty());
  CAF_CHECK_EQUAL(m.capacity(), 0u);
}

CAF_TEST(random inserts and erases agree with std::map) {
  std::mt19937_64 rng{42};
  id_map<uint64_t> m;
  std::map<uint64_t, uint64_t> ref;
  for (int i = 0; i < 20000; ++i) {
    uint64_t id = rng() % 64;
    switch (rng() % 3) {
      case 0:
        m[id] = i;
        ref[id] = i;
        break;
      case 1:
        CAF_REQUIRE_EQUAL(m.erase(id), ref.erase(id));
        break;
      default: {
        auto it = m.find(id);
        auto rit = ref.find(id);
        CAF_REQUIRE_EQUAL(it == m.end(), rit == ref.end());
        if (rit != ref.end())
          CAF_REQUIRE_EQUAL(it->second, rit->second);
      }
    }
  }
  CAF_CHECK_EQUAL(m.size(), ref.size());
  auto rit = ref.begin();
  for (auto& [k, v] : m) {
    CAF_REQUIRE(rit != ref.end());
    CAF_CHECK_EQUAL(k, rit->first);
    CAF_CHECK_EQUAL(v, rit->second);
    ++rit;
  }
}
