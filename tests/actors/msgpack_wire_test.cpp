#define CAF_SUITE actors.msgpack_wire
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <thread>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include "actors/frame.hpp"
#include "actors/msgpack_wire.hpp"

using namespace tidewire;
using namespace tidewire::msgpack_wire;
using json = nlohmann::json;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string out;
  for (int c : b)
    out.push_back(static_cast<char>(c));
  return out;
}

msgpack::object_handle unpack(const std::string& s) {
  return msgpack::unpack(s.data(), s.size());
}

// JSON text -> MessagePack -> JSON text.
std::string round_trip(const std::string& text) {
  auto back = to_json(from_json(text), 64);
  CAF_REQUIRE(back.ok());
  return back.json;
}

std::string error_of(const std::string& msgpack_bytes, size_t depth = 64) {
  auto d = to_json(msgpack_bytes, depth);
  return d.ok() ? std::string{"<ok: "} + d.json + ">" : d.error;
}

} // namespace

CAF_TEST(a message becomes a map with the same fields) {
  auto mp = from_json(R"({"type":"update","channel":"trades","seq":42,)"
                      R"("ts":1700000000000,"data":{"px":12.5,"ok":true,)"
                      R"("tags":["a","b"],"none":null,"neg":-3}})");
  auto oh = unpack(mp);
  auto& obj = oh.get();
  CAF_REQUIRE_EQUAL(obj.type, msgpack::type::MAP);
  CAF_REQUIRE_EQUAL(obj.via.map.size, 5u);
  auto& kv = obj.via.map.ptr;
  CAF_CHECK_EQUAL(kv[0].key.as<std::string>(), "type");
  CAF_CHECK_EQUAL(kv[0].val.as<std::string>(), "update");
  CAF_CHECK_EQUAL(kv[2].val.type, msgpack::type::POSITIVE_INTEGER);
  CAF_CHECK_EQUAL(kv[2].val.as<uint64_t>(), 42u);
  auto& data = kv[4].val;
  CAF_REQUIRE_EQUAL(data.type, msgpack::type::MAP);
  CAF_CHECK_EQUAL(data.via.map.ptr[0].val.type, msgpack::type::FLOAT64);
  CAF_CHECK_EQUAL(data.via.map.ptr[0].val.as<double>(), 12.5);
  CAF_CHECK_EQUAL(data.via.map.ptr[1].val.type, msgpack::type::BOOLEAN);
  CAF_CHECK_EQUAL(data.via.map.ptr[2].val.type, msgpack::type::ARRAY);
  CAF_CHECK_EQUAL(data.via.map.ptr[3].val.type, msgpack::type::NIL);
  CAF_CHECK_EQUAL(data.via.map.ptr[4].val.type, msgpack::type::NEGATIVE_INTEGER);
  CAF_CHECK_EQUAL(data.via.map.ptr[4].val.as<int64_t>(), -3);
}

CAF_TEST(escaped strings and whitespace) {
  auto mp = from_json(" { \"k\\u00e9y\" : [ \"a\\n\\\"b\\\"\" , \"\\ud83d\\ude00\" ] } ");
  auto oh = unpack(mp);
  auto& m = oh.get().via.map.ptr[0];
  CAF_CHECK_EQUAL(m.key.as<std::string>(), "k\xc3\xa9y");
  CAF_CHECK_EQUAL(m.val.via.array.ptr[0].as<std::string>(), "a\n\"b\"");
  CAF_CHECK_EQUAL(m.val.via.array.ptr[1].as<std::string>(), "\xf0\x9f\x98\x80");
  CAF_CHECK_EQUAL(round_trip(R"({"a":"x\ty\u0001"})"), R"({"a":"x\ty\u0001"})");
}

CAF_TEST(numbers map to int float or exact text) {
  CAF_CHECK(classify_number("0") == number_form::integer);
  CAF_CHECK(classify_number("-9223372036854775808") == number_form::integer);
  CAF_CHECK(classify_number("18446744073709551615") == number_form::integer);
  CAF_CHECK(classify_number("18446744073709551616") == number_form::float64); // 2^64
  CAF_CHECK(classify_number("18446744073709551617") == number_form::text);
  CAF_CHECK(classify_number("-9223372036854775809") == number_form::text);
  CAF_CHECK(classify_number("123456789012345678901234567890") == number_form::text);
  CAF_CHECK(classify_number("12.5") == number_form::float64);
  CAF_CHECK(classify_number("0.1") == number_form::float64);
  CAF_CHECK(classify_number("1e2") == number_form::float64);
  CAF_CHECK(classify_number("1.50") == number_form::float64); // same value
  CAF_CHECK(classify_number("-0") == number_form::float64);
  CAF_CHECK(classify_number("1E-7") == number_form::float64);
  CAF_CHECK(classify_number("0.1000000000000000055511151231257827") == number_form::text);
  CAF_CHECK(classify_number("3.141592653589793238462643383279") == number_form::text);
  CAF_CHECK(classify_number("1e400") == number_form::text);
  // Text numbers travel as ext 1 and come back byte for byte.
  auto oh = unpack(from_json("123456789012345678901234567890"));
  CAF_REQUIRE_EQUAL(oh.get().type, msgpack::type::EXT);
  CAF_CHECK_EQUAL(oh.get().via.ext.type(), number_ext);
  CAF_CHECK_EQUAL(std::string(oh.get().via.ext.data(), oh.get().via.ext.size),
                  "123456789012345678901234567890");
  for (std::string exact : {"123456789012345678901234567890",
                            "0.1000000000000000055511151231257827", "-0.0",
                            "[18446744073709551615,-9223372036854775808]",
                            "[1.5,0.1,100.0,1e+21,-2.5e-07]"})
    CAF_CHECK_EQUAL(round_trip(exact), exact);
  // Same values, another spelling: a float 64 holds them exactly.
  CAF_CHECK_EQUAL(round_trip("[1e2,1.50,-0,1E-7]"), "[100.0,1.5,-0.0,1e-07]");
  auto f = unpack(from_json("100.0"));
  CAF_CHECK_EQUAL(f.get().type, msgpack::type::FLOAT64); // not an int
  CAF_CHECK_EQUAL(round_trip("18446744073709551616"), "18446744073709551616.0");
}

CAF_TEST(client floats become exact JSON text) {
  CAF_CHECK_EQUAL(float_text(12.5), "12.5");
  CAF_CHECK_EQUAL(float_text(100.0), "100.0");
  CAF_CHECK_EQUAL(float_text(0.1), "0.1");
  CAF_CHECK_EQUAL(float_text(1e300), "1e+300");
  CAF_CHECK_EQUAL(float_text(std::numeric_limits<double>::infinity()), "");
  // A float 32 keeps its exact value (widened to a double).
  CAF_CHECK_EQUAL(error_of(bytes({0xca, 0x3f, 0xc0, 0x00, 0x00})), "<ok: 1.5>");
  // Every double survives double -> text -> double.
  for (double d : {0.1, 1.0 / 3, 6.02214076e23, 5e-324, -1.7976931348623157e308}) {
    auto text = float_text(d);
    auto mp = from_json(text);
    CAF_CHECK_EQUAL(unpack(mp).get().as<double>(), d);
  }
}

CAF_TEST(client messages decode to the JSON the parser reads) {
  std::stringstream buf;
  msgpack::packer<std::stringstream> pk(buf);
  pk.pack_map(4);
  pk.pack("type");
  pk.pack("publish");
  pk.pack("channel");
  pk.pack("trades");
  pk.pack("id");
  pk.pack(7);
  pk.pack("data");
  pk.pack_array(3);
  pk.pack(-1);
  pk.pack(2.25);
  pk.pack_ext(4, number_ext);
  pk.pack_ext_body("1e99", 4);
  auto d = to_json(buf.str(), 64);
  CAF_REQUIRE(d.ok());
  CAF_CHECK_EQUAL(d.json,
                  R"({"type":"publish","channel":"trades","id":7,"data":[-1,2.25,1e99]})");
}

CAF_TEST(bad MessagePack is refused with a reason) {
  CAF_CHECK_EQUAL(error_of(""), "malformed MessagePack (truncated)");
  CAF_CHECK_EQUAL(error_of(bytes({0xc1})), "malformed MessagePack");
  CAF_CHECK_EQUAL(error_of(bytes({0x82, 0xa1, 'a'})),
                  "malformed MessagePack (truncated)");
  CAF_CHECK_EQUAL(error_of(bytes({0x01, 0x02})),
                  "malformed MessagePack (bytes after the value)");
  CAF_CHECK_EQUAL(error_of(bytes({0x81, 0x01, 0x02})),
                  "map keys must be strings, not an integer");
  CAF_CHECK_EQUAL(error_of(bytes({0x81, 0x90, 0x02})),
                  "map keys must be strings, not an array");
  CAF_CHECK_EQUAL(error_of(bytes({0xc4, 0x01, 'x'})),
                  "bin values have no JSON form (send text as str)");
  CAF_CHECK_EQUAL(error_of(bytes({0xd4, 0x05, 0x00})),
                  "ext type 5 is not accepted (only 1, a number as JSON text)");
  CAF_CHECK_EQUAL(error_of(bytes({0xd5, 0x01, 'x', 'y'})),
                  "ext type 1 must hold a JSON number");
  CAF_CHECK_EQUAL(error_of(bytes({0xc7, 0x05, 0x01, '1', 'e', '4', '0', '0'})),
                  "ext type 1 number is out of a double's range");
  CAF_CHECK_EQUAL(error_of(bytes({0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0})),
                  "NaN and infinite floats have no JSON form");
  CAF_CHECK_EQUAL(error_of(bytes({0xa2, 0xc3, 0x28})),
                  "a string is not valid UTF-8");
  CAF_CHECK_EQUAL(error_of(bytes({0xa3, 0xed, 0xa0, 0x80})), // a surrogate
                  "a string is not valid UTF-8");
}

CAF_TEST(depth is bounded and huge declared counts allocate nothing) {
  std::string deep(65, static_cast<char>(0x91));
  deep.push_back(0x01);
  CAF_CHECK_EQUAL(error_of(deep), "MessagePack nested deeper than 64 levels");
  CAF_CHECK_EQUAL(error_of(deep.substr(1)),
                  "<ok: " + std::string(64, '[') + "1" + std::string(64, ']') + ">");
  // array 32 and map 32 headers claiming 4 billion entries, nested: the
  // parse stops when the bytes run out, nothing is reserved for the counts.
  std::string hostile;
  for (int i = 0; i < 60; ++i)
    hostile += bytes({0xdd, 0xff, 0xff, 0xff, 0xff});
  hostile += bytes({0xdf, 0xff, 0xff, 0xff, 0xff});
  CAF_CHECK_EQUAL(error_of(hostile), "malformed MessagePack (truncated)");
  CAF_CHECK_EQUAL(error_of(bytes({0xdb, 0xff, 0xff, 0xff, 0xff, 'a'})),
                  "malformed MessagePack (truncated)");
}

CAF_TEST(a frame encodes MessagePack once whoever asks) {
  auto f = make_frame(R"({"type":"pong","id":"x"})");
  std::vector<const std::string*> seen(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&, i] { seen[i] = &f->msgpack(); });
  for (auto& t : threads)
    t.join();
  for (auto* p : seen)
    CAF_CHECK_EQUAL(p, seen[0]);
  CAF_CHECK_EQUAL(&f->in(wire_format::msgpack), seen[0]);
  CAF_CHECK_EQUAL(&f->in(wire_format::json), &f->json());
  CAF_CHECK_EQUAL(to_json(*seen[0], 64).json, f->json());
  CAF_CHECK_EQUAL(batch_bytes({f, f}, wire_format::msgpack), 2 * seen[0]->size());
  CAF_CHECK_EQUAL(batch_bytes({f}, wire_format::json), f->json().size());
}
