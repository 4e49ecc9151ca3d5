#include "storage/random_hex.hpp"

#include <random>

namespace tidewire::storage {

std::string random_hex(size_t bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  out.reserve(bytes * 2);
  uint32_t word = 0;
  for (size_t i = 0; i < bytes; ++i) {
    if (i % 4 == 0)
      word = rd();
    auto b = static_cast<unsigned>(word & 0xff);
    word >>= 8;
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

} // namespace tidewire::storage
