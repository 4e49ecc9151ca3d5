#pragma once

#include <cstddef>
#include <string>

namespace tidewire::storage {

// `bytes` random bytes from std::random_device as 2*bytes lowercase hex.
// Used for store ids and epochs, which must differ across stores and across
// re-creations of a store, not be secret.
std::string random_hex(size_t bytes);

} // namespace tidewire::storage
