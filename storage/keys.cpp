#include "storage/keys.hpp"

namespace tidewire::storage::keys {

namespace {

void put_be(std::string& out, uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((value >> shift) & 0xff));
}

uint64_t get_be(std::string_view in) {
  uint64_t value = 0;
  for (char c : in)
    value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

} // namespace

std::string record_key(uint32_t id, uint64_t seq) {
  std::string key;
  key.reserve(record_key_size);
  put_be(key, id, 4);
  put_be(key, seq, 8);
  return key;
}

bool parse_record_key(std::string_view key, uint32_t* id, uint64_t* seq) {
  if (key.size() != record_key_size)
    return false;
  *id = static_cast<uint32_t>(get_be(key.substr(0, 4)));
  *seq = get_be(key.substr(4, 8));
  return true;
}

std::string channel_key(std::string_view name) {
  std::string key{channel_prefix};
  key.append(name);
  return key;
}

std::string state_key(std::string_view name) {
  std::string key{state_prefix};
  key.append(name);
  return key;
}

} // namespace tidewire::storage::keys
