#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

#include "actors/errors.hpp"
#include "tools/node/node.hpp"
#include "tools/node/options.hpp"

namespace {

// glibc hands freed memory at the top of a heap back to the kernel once more
// than 128 KiB is free there. A node under load frees and allocates outbound
// buffers in bursts, so every burst paid for returning pages (madvise) and
// faulting fresh zeroed ones in again: ~20% of the node's CPU at saturation
// (docs/performance.md). Up to this much free heap is kept for reuse instead.
constexpr int kept_free_heap = 64 * 1024 * 1024;

// Setting the trim threshold also fixes glibc's mmap threshold at 128 KiB
// (it no longer follows the sizes freed). A connection's next message under
// load is often larger than that (a write takes everything queued, up to
// 1 MiB), so each was its own mmap: zeroed pages faulted in while the
// frames were copied, then munmap: ~10% of the node's samples at
// saturation once reading took a publisher's whole burst per pass
// (docs/performance.md). Buffers up to this size come from the heap and are
// reused.
constexpr int heap_below = 4 * 1024 * 1024;

} // namespace

int main(int argc, char** argv) {
#ifdef M_TRIM_THRESHOLD
  mallopt(M_TRIM_THRESHOLD, kept_free_heap);
#endif
#ifdef M_MMAP_THRESHOLD
  mallopt(M_MMAP_THRESHOLD, heap_below);
#endif
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = tidewire::node::parse_options(args);
  if (!opts) {
    std::cerr << "tidewire: " << tidewire::error_message(opts.error()) << '\n';
    return 2;
  }
  if (opts->help) {
    std::cout << tidewire::node::usage();
    return 0;
  }
  return tidewire::node::run(*opts);
}
