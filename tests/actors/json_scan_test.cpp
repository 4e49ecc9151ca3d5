#define CAF_SUITE actors.json_scan
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/json_scan.hpp"
#include "actors/json_text.hpp"

using namespace tidewire;
namespace jt = tidewire::json_text;

namespace {

// Inputs on both sides of every rule the scanner checks.
const std::vector<std::string> corpus = {
  "", " ", "{}", "[]", "[ ]", "{ }", "0", "-0", "01", "-", "1.", "1.5", ".5",
  "1e5", "1E+5", "1e-5", "1e", "1e+", "-1.25e-3", "123456789012345678901234567890",
  "true", "false", "null", "nul", "tru", "truex", "True", "\"\"", "\"a\"",
  "\"\\\"\"", "\"\\x\"", "\"\\u0041\"", "\"\\u00\"", "\"\\u00zz\"",
  "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83dx\"",
  "\"\\ud83d\\u0041\"", "\"tab\there\"", "\"a\nb\"", "\"\x7f\"",
  "\"\xc3\xa9\"", "\"\xc3\"", "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"",
  "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xf0\x9f\x98\x80\"",
  "\"\xff\"", "\xff\xfe", "\xEF\xBB\xBF{}", "\xEF\xBB{}", "[1,]", "[,1]",
  "[1 2]", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}", "{a:1}", "{'a':1}",
  "{\"a\":1} x", "{\"a\":1}}", "[[[]]]", "[[[]]", "[{\"a\":[1,{\"b\":null}]}]",
  "{\"type\":\"ping\"} trailing", " \t\r\n[1]\n", "[1]\f", "{\"a\":1,\"a\":2}",
  "\"unterminated", "[\"a\\\\\"]", "{\"\\u0061\":1}", "-01", "2.e3", "1.0e+",
  "[-]", "[--1]", "+1", "0x10", "Infinity", "NaN", "[1,2,3", "{\"a\":[}",
};

} // namespace

CAF_TEST(accepts exactly what a strict JSON parser accepts) {
  size_t disagreements = 0;
  for (const auto& text : corpus) {
    if (jt::valid(text) == nlohmann::json::accept(text))
      continue;
    ++disagreements;
    CAF_MESSAGE("disagreement on "
                << nlohmann::json(text).dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  CAF_CHECK_EQUAL(disagreements, 0u);
}

CAF_TEST(random mutations of valid JSON agree with a strict parser) {
  const std::string seed_text =
    R"({"type":"publish","channel":"a.b","id":-12,"data":{"x":[1.5e3,true,null,)"
    R"("\u00e9\ud83d\ude00",{"y":"\\\"q"}],"z":-0.0}})";
  const std::string alphabet = "{}[],:\"\\0123456789-+.eEtrufalsn u\xc3\xa9\xff";
  std::mt19937 rng(7);
  size_t disagreements = 0;
  for (int i = 0; i < 20000; ++i) {
    auto text = seed_text;
    auto edits = 1 + rng() % 3;
    for (size_t e = 0; e < edits; ++e) {
      auto pos = rng() % text.size();
      switch (rng() % 3) {
        case 0: text.erase(pos, 1); break;
        case 1: text.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        default: text[pos] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    if (jt::valid(text) != nlohmann::json::accept(text)
        && disagreements++ < 5)
      CAF_MESSAGE("disagreement on "
                  << nlohmann::json(text).dump(
                       -1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  CAF_CHECK_EQUAL(disagreements, 0u);
}

CAF_TEST(value_end finds where a value ends) {
  std::string text = R"({"a":[1,"]"]} ,)";
  auto end = jt::value_end(text.data(), text.data() + text.size());
  CAF_REQUIRE(end != nullptr);
  CAF_CHECK_EQUAL(std::string(text.c_str(), end), R"({"a":[1,"]"]})");
  // Deep nesting is not recursion: 100 000 levels cost no stack.
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  CAF_CHECK(jt::valid(deep));
  deep.pop_back();
  CAF_CHECK(!jt::valid(deep));
}

CAF_TEST(for_elements walks an array and stops at what its reader refuses) {
  auto walk = [](const std::string& text, std::vector<std::string>* seen) {
    auto end = text.data() + text.size();
    return jt::for_elements(text.data(), end, [&](const char* p) {
      auto q = jt::value_end(p, end);
      if (q)
        seen->emplace_back(p, q);
      return q;
    });
  };
  std::vector<std::string> seen;
  std::string text = R"([ 1 , {"a":"]"} ,[]] x)";
  auto end = walk(text, &seen);
  CAF_REQUIRE(end != nullptr);
  CAF_CHECK_EQUAL(std::string(text.c_str(), end), R"([ 1 , {"a":"]"} ,[]])");
  CAF_CHECK_EQUAL(seen, (std::vector<std::string>{"1", R"({"a":"]"})", "[]"}));
  seen.clear();
  CAF_CHECK(walk("[]", &seen) != nullptr);
  CAF_CHECK(seen.empty());
  for (std::string bad : {"[1,]", "[1 2]", "[1", "{}", "[,1]", ""})
    CAF_CHECK(walk(bad, &seen) == nullptr);
}

CAF_TEST(unescape decodes escapes and surrogate pairs) {
  CAF_CHECK_EQUAL(jt::unescape(R"("plain")"), "plain");
  CAF_CHECK_EQUAL(jt::unescape(R"("a\"b\\c\/d\b\f\n\r\t")"),
                  "a\"b\\c/d\b\f\n\r\t");
  CAF_CHECK_EQUAL(jt::unescape(R"("\u0061\u00e9\u20ac")"), "a\xc3\xa9\xe2\x82\xac");
  CAF_CHECK_EQUAL(jt::unescape(R"("\ud83d\ude00")"), "\xf0\x9f\x98\x80");
  CAF_CHECK(jt::token_equals(R"("\u0074ype")", "type"));
  CAF_CHECK(jt::token_equals(R"("type")", "type"));
  CAF_CHECK(!jt::token_equals(R"("types")", "type"));
}

CAF_TEST(as_integer reads what a parser reads as an integer) {
  auto n = jt::as_integer("18446744073709551615");
  CAF_REQUIRE(n);
  CAF_CHECK_EQUAL(n->magnitude, UINT64_MAX);
  CAF_CHECK(!jt::as_integer("18446744073709551616")); // a float to parsers
  n = jt::as_integer("-9223372036854775808");
  CAF_REQUIRE(n);
  CAF_CHECK(n->negative);
  CAF_CHECK(!jt::as_integer("-9223372036854775809"));
  n = jt::as_integer("-0");
  CAF_REQUIRE(n);
  CAF_CHECK(!n->negative);
  CAF_CHECK(!jt::as_integer("1.0"));
  CAF_CHECK(!jt::as_integer("1e2"));
}

CAF_TEST(compact_value keeps numbers and strings and resolves repeated names) {
  CAF_CHECK_EQUAL(jt::compact_value(" { \"a\" : [ 1.50 , \"x y\" ] } "),
                  R"({"a":[1.50,"x y"]})");
  CAF_CHECK_EQUAL(jt::compact_value("123456789012345678901234567890"),
                  "123456789012345678901234567890");
  // A repeated name: the last value at the first one's place, as parse
  // and dump would give (and as every client's parser reads it).
  CAF_CHECK_EQUAL(jt::compact_value(R"({"a":1,"b":2,"a":3})"),
                  R"({"a":3,"b":2})");
  CAF_CHECK_EQUAL(jt::compact_value(R"({"a":1,"\u0061":3})"), R"({"a":3})");
  // The same name in different objects is no repeat.
  CAF_CHECK_EQUAL(jt::compact_value(R"({"a":{"a":1},"b":[{"a":2},{"a":3}]})"),
                  R"({"a":{"a":1},"b":[{"a":2},{"a":3}]})");
  for (const auto& text : corpus)
    if (jt::valid(text))
      CAF_CHECK_EQUAL(jt::compact_value(text), jt::dump(*jt::parse(text)));
}
