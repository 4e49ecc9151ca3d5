#define CAF_SUITE actors.merge_patch
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/json_text.hpp"
#include "actors/merge_patch.hpp"

using namespace tidewire;
using json = nlohmann::json;

namespace {

json_text::value v(const std::string& text) {
  auto parsed = json_text::parse(text);
  CAF_REQUIRE(parsed);
  return *parsed;
}

std::string applied(std::string doc, const std::string& patch) {
  auto d = v(doc);
  json_text::merge_patch(d, v(patch));
  return json_text::dump(d);
}

std::string applied2(const std::string& doc, const std::string& p1,
                     const std::string& p2) {
  return applied(applied(doc, p1), p2);
}

// Random small JSON values over a few keys, so patches meet each other's
// members: nested objects, nulls (deletes), scalars, arrays.
struct generator {
  std::mt19937 rng{20261129};
  json value(int depth, bool patch) {
    std::uniform_int_distribution<int> pick(0, 9);
    auto k = pick(rng);
    if (depth > 0 && k < 5)
      return object(depth - 1, patch);
    if (patch && k < 7)
      return nullptr;
    if (k == 7)
      return json::array({pick(rng), "x"});
    if (k == 8)
      return "s" + std::to_string(pick(rng));
    return pick(rng);
  }
  json object(int depth, bool patch) {
    static const char* keys[] = {"a", "b", "c", "d"};
    std::uniform_int_distribution<int> count(0, 3), key(0, 3);
    json out = json::object();
    for (int i = count(rng); i > 0; --i)
      out[keys[key(rng)]] = value(depth, patch);
    return out;
  }
};

} // namespace

CAF_TEST(composition follows RFC 7396 - nulls delete and objects nest and values replace) {
  // null in the second deletes what the first set.
  auto c = json_text::compose(v(R"({"a":1,"b":{"c":1}})"), v(R"({"a":null})"));
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(json_text::dump(*c), R"({"a":null,"b":{"c":1}})");
  // Nested objects compose member by member.
  c = json_text::compose(v(R"({"b":{"c":1,"d":2}})"),
                         v(R"({"b":{"d":null,"e":3}})"));
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(json_text::dump(*c), R"({"b":{"c":1,"d":null,"e":3}})");
  // A value after an object replaces it, and the reverse after a delete
  // cannot be one patch.
  c = json_text::compose(v(R"({"b":{"c":1}})"), v(R"({"b":[1,2]})"));
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(json_text::dump(*c), R"({"b":[1,2]})");
  CAF_CHECK(!json_text::compose(v(R"({"b":null})"), v(R"({"b":{"c":1}})")));
  CAF_CHECK(!json_text::compose(v(R"({"b":5})"), v(R"({"b":{"c":1}})")));
  // A non-object second patch replaces everything.
  c = json_text::compose(v(R"({"a":1})"), v("[1]"));
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(json_text::dump(*c), "[1]");
  // Numbers keep their text.
  c = json_text::compose(v(R"({"n":1.50})"),
                         v(R"({"m":123456789012345678901234567890})"));
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(json_text::dump(*c),
                  R"({"n":1.50,"m":123456789012345678901234567890})");
}

CAF_TEST(a composed patch has the effect of both on random documents) {
  generator gen;
  int composed = 0, refused = 0;
  for (int round = 0; round < 3000; ++round) {
    auto doc = gen.object(3, false).dump();
    auto p1 = gen.object(3, true).dump();
    auto p2 = gen.object(3, true).dump();
    auto c = json_text::compose(v(p1), v(p2));
    if (!c) {
      ++refused;
      continue;
    }
    ++composed;
    auto want = applied2(doc, p1, p2);
    auto got = applied(doc, json_text::dump(*c));
    if (json::parse(want) != json::parse(got))
      CAF_FAIL("doc " << doc << " p1 " << p1 << " p2 " << p2 << ": "
                      << want << " != " << got);
    // And on documents the patches did not write themselves.
    for (auto other : {std::string{"{}"}, std::string{R"({"a":{"b":7},"c":1})"}})
      CAF_CHECK_EQUAL(json::parse(applied2(other, p1, p2)),
                      json::parse(applied(other, json_text::dump(*c))));
  }
  CAF_MESSAGE(composed << " composed, " << refused << " not expressible");
  CAF_CHECK_GREATER(composed, 1000);
  CAF_CHECK_GREATER(refused, 0);
}

CAF_TEST(a merge reports exactly how much the dumped document grew) {
  generator gen;
  for (int round = 0; round < 3000; ++round) {
    auto doc = v(gen.object(3, false).dump());
    auto patch = v(gen.value(3, true).dump());
    auto before = json_text::dump(doc).size();
    CAF_REQUIRE_EQUAL(json_text::dumped_size(doc), before);
    auto delta = json_text::merge_patch_sized(doc, patch);
    auto after = json_text::dump(doc).size();
    CAF_REQUIRE_EQUAL(static_cast<int64_t>(after) - static_cast<int64_t>(before),
                      delta);
  }
}
