#pragma once

// The value of one hexadecimal digit, for the decoders that read them
// (JSON's \uXXXX escapes, URLs' %XX escapes).

namespace tidewire {

// 0-15 for [0-9a-fA-F], -1 for anything else.
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace tidewire
