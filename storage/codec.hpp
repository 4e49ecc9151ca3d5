#pragma once

// Value encoding of the replay store: msgpack maps for records and channel
// metadata, decimal text for the small scalar meta entries (readable with
// `ldb`). Decoding never throws: malformed bytes become Status::Corruption.

#include <cstdint>
#include <string>
#include <string_view>

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include "storage/record.hpp"

namespace tidewire::storage::codec {

std::string encode(const record& rec);
std::string encode(const channel_meta& meta);

// `what` names the value in the Corruption message (e.g. the key).
[[nodiscard]] rocksdb::Status decode(const rocksdb::Slice& bytes,
                                     record* out, std::string_view what);
[[nodiscard]] rocksdb::Status decode(const rocksdb::Slice& bytes,
                                     channel_meta* out, std::string_view what);

std::string encode_uint(uint64_t value);
[[nodiscard]] rocksdb::Status decode_uint(const rocksdb::Slice& bytes,
                                          uint64_t* out, std::string_view what);

} // namespace tidewire::storage::codec
