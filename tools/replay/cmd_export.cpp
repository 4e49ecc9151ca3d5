// tidewire-replay export: a channel's whole retained history as a header
// line plus jsonl records (export_format.hpp), to stdout or --output.

#include <fstream>
#include <ostream>

#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"
#include "tools/replay/export_format.hpp"
#include "tools/replay/progress.hpp"

namespace tidewire::replay {

const char* const export_help =
  R"(usage: tidewire-replay export CHANNEL [--output=FILE] [--data-dir=DIR]

Writes the retained history of CHANNEL (seqs first..head) as jsonl: a
header line
  {"tidewire_export":1,"channel":..,"kind":..,"epoch":..,"first":..,
   "head":..,"last_ts":..,"state":"<doc at head>"}   (state: state channels)
then one {"seq":..,"ts":..,"data":..} line per record, to stdout or FILE.
Works while the node runs (the export is of the moment the store was
opened). Shows a progress bar on stderr when stderr is a terminal.
Missing seqs are reported on stderr; `import` refuses such an export.
)";

int cmd_export(const args_t& argv, std::ostream& out, std::ostream& err) {
  auto args = parse_args(argv, {{"output"}, {}, {{"-o", "output"}}});
  if (args.positional.size() != 1)
    throw usage_error("export takes exactly one CHANNEL");
  auto store = open_for_reading(args.get_or("data-dir", default_data_dir));
  auto meta = find_channel(*store, args.positional[0]);
  std::ofstream file;
  std::ostream* dest = &out;
  if (auto path = args.get("output")) {
    file.open(*path, std::ios::binary | std::ios::trunc);
    if (!file)
      throw runtime_error("cannot write " + *path);
    dest = &file;
  }
  // Before its first stored snapshot a state channel's document at
  // state_seq 0 is the empty object; import stores it so, and a second
  // export must say the same.
  if (meta.kind == "state" && meta.state.empty())
    meta.state = "{}";
  export_header h{meta.name, meta.kind, meta.epoch, meta.state,
                  meta.first, meta.head, meta.last_ts, meta.state_seq};
  *dest << header_line(h) << '\n';
  uint64_t total = meta.head >= meta.first ? meta.head - meta.first + 1 : 0;
  progress_bar bar{err, is_terminal(err), total, "export " + meta.name};
  uint64_t written = 0, expected = meta.first;
  if (total > 0)
    for_each_record(*store, meta.id, meta.first, meta.head,
                    [&](const storage::record& rec) {
                      if (rec.seq != expected)
                        err << "tidewire-replay export: warning: seqs "
                            << expected << ".." << rec.seq - 1
                            << " are missing\n";
                      expected = rec.seq + 1;
                      *dest << record_json(rec) << '\n';
                      bar.update(++written);
                      return true;
                    });
  bar.finish();
  dest->flush();
  if (!*dest)
    throw runtime_error("writing the export failed");
  if (file.is_open())
    err << "exported " << written << " records of " << meta.name << " to "
        << *args.get("output") << '\n';
  return exit_ok;
}

} // namespace tidewire::replay
