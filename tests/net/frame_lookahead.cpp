#define CAF_SUITE net.frame_lookahead
#include "caf/test/unit_test.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "net/frame_lookahead.hpp"

// The lookahead decides which messages a connection reads synchronously:
// only those Beast holds whole and reads without writing anything. Frames
// are built here as a client sends them (masked).

using tidewire::net::frame_lookahead;

namespace {

using bytes = std::vector<uint8_t>;

// One client frame: `first` is the first header byte (FIN, RSV, opcode).
bytes frame(uint8_t first, const std::string& payload, bool masked = true,
            bool long_form = false) {
  bytes out{first};
  uint8_t mask_bit = masked ? 0x80 : 0;
  auto n = payload.size();
  if (n < 126 && !long_form) {
    out.push_back(static_cast<uint8_t>(mask_bit | n));
  } else if (n <= 0xffff) {
    out.push_back(mask_bit | 126);
    out.push_back(static_cast<uint8_t>(n >> 8));
    out.push_back(static_cast<uint8_t>(n));
  }
  const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (masked)
    out.insert(out.end(), key, key + 4);
  for (size_t i = 0; i < n; ++i)
    out.push_back(static_cast<uint8_t>(payload[i])
                  ^ (masked ? key[i & 3] : 0));
  return out;
}

bytes text(const std::string& s) {
  return frame(0x81, s);
}

bytes cat(std::vector<bytes> parts) {
  bytes out;
  for (auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

void feed(frame_lookahead& look, const bytes& b) {
  look.feed(b.data(), b.size());
}

} // namespace

CAF_TEST(a whole plain message after the returned one is ready) {
  frame_lookahead look;
  feed(look, cat({text("{\"a\":1}"), text("{\"b\":2}"), text("{\"c\":3}")}));
  look.message_done(); // Beast returned the first
  CAF_CHECK(look.next_ready());
  look.message_done();
  CAF_CHECK(look.next_ready());
  look.message_done();
  CAF_CHECK(!look.next_ready()); // nothing more was read
}

CAF_TEST(a message cut anywhere is not ready until its last byte) {
  auto two = cat({text("first"), text(std::string(300, 'x'))});
  for (size_t cut = 0; cut < two.size(); ++cut) {
    frame_lookahead look;
    look.feed(two.data(), cut);
    look.message_done();
    CAF_CHECK(!look.next_ready());
    look.feed(two.data() + cut, two.size() - cut);
    CAF_CHECK(look.next_ready());
  }
}

CAF_TEST(binary frames are plain too) {
  frame_lookahead look;
  feed(look, cat({frame(0x82, "\x81\xa1t"), frame(0x82, "\xff\x00", true)}));
  look.message_done();
  CAF_CHECK(look.next_ready());
}

CAF_TEST(what Beast would answer or fail on waits for the async read) {
  struct kind {
    const char* name;
    bytes next;
  };
  std::string bad_utf8 = "{\"a\":\"\xc3\x28\"}";
  std::vector<kind> kinds{
    {"ping", cat({frame(0x89, "p"), text("x")})},
    {"close", frame(0x88, "\x03\xe8")},
    {"pong", cat({frame(0x8a, ""), text("x")})},
    {"fragment", cat({frame(0x01, "ab"), frame(0x80, "cd")})},
    {"reserved bit (compressed)", frame(0xc1, "x")},
    {"reserved opcode", frame(0x83, "x")},
    {"unmasked", frame(0x81, "x", false)},
    {"long length form for a short payload", frame(0x81, "x", true, true)},
    {"invalid UTF-8", text(bad_utf8)},
    {"truncated UTF-8", text("\xe2\x82")},
    {"over the message limit", text(std::string(101, 'x'))},
  };
  for (auto& k : kinds) {
    CAF_MESSAGE(k.name);
    // A plain message before it is ready under the same limit, so only
    // the kind itself makes the lookahead wait.
    frame_lookahead look{100};
    feed(look, cat({text("first"), text("plain"), k.next}));
    look.message_done();
    CAF_CHECK(look.next_ready());
    look.message_done();
    CAF_CHECK(!look.next_ready());
  }
}

CAF_TEST(after a message that was not plain the count stays in step) {
  frame_lookahead look;
  // Beast returns the fragmented message (after answering the ping), then
  // the plain one after it is ready.
  feed(look, cat({text("first"), frame(0x89, ""), frame(0x01, "ab"),
                  frame(0x80, "cd"), text("last")}));
  look.message_done();
  CAF_CHECK(!look.next_ready());
  look.message_done();
  CAF_CHECK(look.next_ready());
  look.message_done();
  CAF_CHECK(!look.next_ready());
}

CAF_TEST(valid multi-byte UTF-8 split across reads is plain) {
  auto b = cat({text("first"), text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")});
  frame_lookahead look;
  for (auto byte : b)
    look.feed(&byte, 1);
  look.message_done();
  CAF_CHECK(look.next_ready());
}

CAF_TEST(idle only when nothing fed is still pending) {
  auto two = cat({text("first"), text("second")});
  frame_lookahead look;
  CAF_CHECK(look.idle());
  look.feed(two.data(), two.size() - 1);
  look.message_done();
  CAF_CHECK(!look.idle()); // a partial frame
  look.feed(two.data() + two.size() - 1, 1);
  CAF_CHECK(!look.idle()); // a message Beast has not returned
  look.message_done();
  CAF_CHECK(look.idle());
  auto ping = frame(0x89, "p");
  feed(look, ping);
  CAF_CHECK(!look.idle()); // Beast answers it with the next message
  feed(look, text("third"));
  look.message_done();
  CAF_CHECK(look.idle());
}
