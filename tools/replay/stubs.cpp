#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"
namespace tidewire::replay {
#define STUB(n) const char* const n##_help = "not yet\n"; \
  int cmd_##n(const args_t&, std::ostream&, std::ostream&) { throw runtime_error("not implemented yet"); }
STUB(tail) STUB(stats) STUB(verify) STUB(export) STUB(import) STUB(replay)
}
