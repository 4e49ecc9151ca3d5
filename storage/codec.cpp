#include "storage/codec.hpp"

#include <charconv>
#include <exception>

namespace tidewire::storage::codec {

namespace {

template <class T>
std::string pack(const T& value) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, value);
  return std::string{buf.data(), buf.size()};
}

template <class T>
rocksdb::Status unpack(const rocksdb::Slice& bytes, T* out,
                       std::string_view what) {
  // Every msgpack element takes at least one byte, so no legitimate value
  // declares more elements than it has bytes. Bounding the limits by the
  // value size stops a corrupted length prefix from allocating gigabytes.
  const size_t n = bytes.size();
  const msgpack::unpack_limit limit{n, n, n, n, n, 32};
  try {
    size_t offset = 0;
    auto handle = msgpack::unpack(bytes.data(), n, offset, nullptr, nullptr,
                                  limit);
    if (offset != n)
      return rocksdb::Status::Corruption(std::string{what},
                                         "trailing bytes after msgpack value");
    T value;
    handle.get().convert(value);
    *out = std::move(value);
    return rocksdb::Status::OK();
  } catch (const std::exception& e) {
    return rocksdb::Status::Corruption(std::string{what}, e.what());
  }
}

} // namespace

std::string encode(const record& rec) {
  return pack(rec);
}

std::string encode(const channel_meta& meta) {
  return pack(meta);
}

rocksdb::Status decode(const rocksdb::Slice& bytes, record* out,
                       std::string_view what) {
  return unpack(bytes, out, what);
}

rocksdb::Status decode(const rocksdb::Slice& bytes, channel_meta* out,
                       std::string_view what) {
  return unpack(bytes, out, what);
}

std::string encode_uint(uint64_t value) {
  return std::to_string(value);
}

rocksdb::Status decode_uint(const rocksdb::Slice& bytes, uint64_t* out,
                            std::string_view what) {
  const char* first = bytes.data();
  const char* last = first + bytes.size();
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (bytes.empty() || ec != std::errc{} || ptr != last)
    return rocksdb::Status::Corruption(std::string{what},
                                       "not a decimal number: '" +
                                         bytes.ToString() + "'");
  *out = value;
  return rocksdb::Status::OK();
}

} // namespace tidewire::storage::codec
