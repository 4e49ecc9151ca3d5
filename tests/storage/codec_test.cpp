#define CAF_SUITE storage.codec

#include "caf/test/unit_test_impl.hpp"

#include "store_fixture.hpp"

#include "storage/codec.hpp"
#include "storage/keys.hpp"

using namespace tidewire::storage;

namespace {

std::string pack_map_with_extra_field() {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk{buf};
  pk.pack_map(4);
  pk.pack(std::string{"seq"});
  pk.pack(uint64_t{7});
  pk.pack(std::string{"future_field"});
  pk.pack(true);
  pk.pack(std::string{"ts"});
  pk.pack(int64_t{-3});
  pk.pack(std::string{"data"});
  pk.pack(std::string{"{}"});
  return std::string{buf.data(), buf.size()};
}

} // namespace

CAF_TEST(record keys sort by channel then seq) {
  using keys::record_key;
  CAF_CHECK_EQUAL(record_key(1, 2).size(), keys::record_key_size);
  CAF_CHECK(record_key(1, 255) < record_key(1, 256));
  CAF_CHECK(record_key(1, UINT64_MAX) < record_key(2, 0));
  CAF_CHECK(record_key(0xff, 0) < record_key(0x100, 0));
  uint32_t id = 0;
  uint64_t seq = 0;
  CAF_REQUIRE(keys::parse_record_key(record_key(0xdeadbeef, 0x0102030405060708),
                                     &id, &seq));
  CAF_CHECK_EQUAL(id, 0xdeadbeefu);
  CAF_CHECK_EQUAL(seq, 0x0102030405060708u);
  CAF_CHECK(!keys::parse_record_key("short", &id, &seq));
  CAF_CHECK_EQUAL(keys::channel_key("a/b"), "channel/a/b");
}

CAF_TEST(records and metadata round trip) {
  record rec{42, 1700000000123, R"({"price":1.5})", ""};
  record rec_out;
  REQUIRE_OK(codec::decode(codec::encode(rec), &rec_out, "rec"));
  CAF_CHECK_EQUAL(rec_out.seq, 42u);
  CAF_CHECK_EQUAL(rec_out.ts, 1700000000123);
  CAF_CHECK_EQUAL(rec_out.data, rec.data);
  channel_meta meta{7, "orders", "state", "abcd", 10, 3, 99, R"({"a":1})"};
  channel_meta meta_out;
  REQUIRE_OK(codec::decode(codec::encode(meta), &meta_out, "meta"));
  CAF_CHECK_EQUAL(meta_out.id, 7u);
  CAF_CHECK_EQUAL(meta_out.name, "orders");
  CAF_CHECK_EQUAL(meta_out.kind, "state");
  CAF_CHECK_EQUAL(meta_out.epoch, "abcd");
  CAF_CHECK_EQUAL(meta_out.head, 10u);
  CAF_CHECK_EQUAL(meta_out.first, 3u);
  CAF_CHECK_EQUAL(meta_out.last_ts, 99);
  CAF_CHECK_EQUAL(meta_out.state, R"({"a":1})");
}

CAF_TEST(unknown map fields are ignored) {
  record out;
  REQUIRE_OK(codec::decode(pack_map_with_extra_field(), &out, "rec"));
  CAF_CHECK_EQUAL(out.seq, 7u);
  CAF_CHECK_EQUAL(out.ts, -3);
  CAF_CHECK_EQUAL(out.data, "{}");
}

CAF_TEST(malformed values are corruption not exceptions) {
  record out;
  const std::string valid = codec::encode(record{1, 2, "x", ""});
  const std::vector<std::string> bad = {
    "",
    "\xc1",                               // never-used msgpack byte
    valid.substr(0, valid.size() - 1),    // truncated
    valid + "\x01",                       // trailing bytes
    codec::encode(record{}) .substr(0, 1),
    std::string{"\x2a"},                  // an integer, not a map
    std::string{"\xdd\xff\xff\xff\xff", 5}, // array claiming 4G elements
    std::string{"\xdf\xff\xff\xff\xff", 5}, // map claiming 4G entries
  };
  for (const auto& bytes : bad) {
    auto s = codec::decode(bytes, &out, "bad");
    CAF_CHECK(s.IsCorruption());
  }
}

CAF_TEST(decimal scalars) {
  uint64_t v = 0;
  REQUIRE_OK(codec::decode_uint(codec::encode_uint(18446744073709551615u), &v,
                                "v"));
  CAF_CHECK_EQUAL(v, UINT64_MAX);
  CAF_CHECK(codec::decode_uint("", &v, "v").IsCorruption());
  CAF_CHECK(codec::decode_uint("12x", &v, "v").IsCorruption());
  CAF_CHECK(codec::decode_uint("-1", &v, "v").IsCorruption());
  CAF_CHECK(codec::decode_uint("99999999999999999999", &v, "v").IsCorruption());
}
