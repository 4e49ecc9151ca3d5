// tidewire-replay import: loads an export into a STOPPED node's store (the
// only subcommand that writes). The whole file is read and checked before
// anything is written; then the records go in with chunked appends, each
// WriteBatch fsync'ed together with the channel metadata.

#include <fstream>
#include <iostream>
#include <vector>

#include <rocksdb/db.h>

#include "storage/keys.hpp"
#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"
#include "tools/replay/export_format.hpp"
#include "tools/replay/progress.hpp"

namespace tidewire::replay {

const char* const import_help =
  R"(usage: tidewire-replay import FILE [--data-dir=DIR] [--into=CHANNEL]
         [--force-epoch]

Loads FILE (written by `export`; `-` reads stdin) into the store at DIR,
which must not be in use: stop the node first (a running node holds the
store's lock and the import fails with "... is in use by another tidewire
node"). DIR is created when absent.

The channel (or --into=CHANNEL) gets the export's epoch, seqs, times, data
and, for state channels, the document at head, so clients that knew the
history continue seamlessly. The file must hold every seq first..head.

  --into=CHANNEL   import under another name
  --force-epoch    replace an existing channel of that name (its records are
                   deleted; the export's epoch replaces its epoch). Without
                   it an existing channel is refused and nothing is written.
)";

namespace {

constexpr size_t append_chunk = 1000;

std::unique_ptr<storage::replay_store> open_for_writing(const std::string& dir) {
  storage::open_options opts;
  opts.path = dir;
  opts.mode = storage::durability::sync;
  std::unique_ptr<storage::replay_store> store;
  auto s = storage::replay_store::open(opts, &store);
  if (s.IsBusy())
    throw runtime_error(status_text(s)
                        + "; stop the node before importing into its store");
  if (!s.ok())
    throw runtime_error(status_text(s));
  return store;
}

void delete_records(storage::replay_store& store, uint32_t id) {
  auto begin = storage::keys::record_key(id, 0);
  auto end = id == UINT32_MAX ? storage::keys::record_key(id, UINT64_MAX)
                              : storage::keys::record_key(id + 1, 0);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = store.raw_db()->DeleteRange(wo, store.records_cf(), begin, end);
  if (s.ok() && id == UINT32_MAX)
    s = store.raw_db()->Delete(wo, store.records_cf(), end);
  if (!s.ok())
    throw runtime_error("cannot delete the old records: " + status_text(s));
}

} // namespace

int cmd_import(const args_t& argv, std::ostream& out, std::ostream& err) {
  auto args = parse_args(argv, {{"into"}, {"force-epoch"}, {}});
  if (args.positional.size() != 1)
    throw usage_error("import takes exactly one FILE (- for stdin)");
  const auto& path = args.positional[0];
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file)
      throw runtime_error("cannot read " + path);
    in = &file;
  }
  std::string line;
  if (!std::getline(*in, line))
    throw runtime_error(path + " is empty");
  auto h = parse_header_line(line);
  auto name = args.get_or("into", h.channel);

  // Read and check everything before touching the store.
  uint64_t total = h.head >= h.first ? h.head - h.first + 1 : 0;
  std::vector<storage::record> records;
  records.reserve(total);
  uint64_t line_no = 1;
  while (std::getline(*in, line)) {
    ++line_no;
    if (line.empty())
      continue;
    auto rec = parse_record_line(line, line_no);
    auto expected = h.first + records.size();
    if (rec.seq != expected)
      throw runtime_error("line " + std::to_string(line_no) + ": expected seq "
                          + std::to_string(expected) + ", found "
                          + std::to_string(rec.seq)
                          + " (the export must hold every seq first..head)");
    records.push_back(std::move(rec));
  }
  if (records.size() != total)
    throw runtime_error(path + " holds " + std::to_string(records.size())
                        + " records, its header announces seqs "
                        + std::to_string(h.first) + ".."
                        + std::to_string(h.head));

  auto store = open_for_writing(args.get_or("data-dir", default_data_dir));
  storage::channel_meta meta;
  auto s = store->load_meta(name, &meta);
  if (s.ok()) {
    if (!args.has("force-epoch"))
      throw runtime_error("channel " + name + " already exists (epoch "
                          + meta.epoch + ", head " + std::to_string(meta.head)
                          + "); --force-epoch replaces it");
    delete_records(*store, meta.id);
  } else if (s.IsNotFound()) {
    s = store->create_channel(name, h.kind, &meta);
    if (!s.ok())
      throw runtime_error("cannot create channel " + name + ": "
                          + status_text(s));
  } else {
    throw runtime_error(status_text(s));
  }
  meta.kind = h.kind;
  meta.epoch = h.epoch;
  meta.first = h.first;
  // The document goes with the last write, at its seq; the chunks before
  // it carry none.
  meta.state.clear();
  meta.state_seq = 0;
  meta.head = h.first - 1;
  meta.last_ts = 0;
  progress_bar bar{err, is_terminal(err), total, "import " + name};
  std::vector<storage::record> chunk;
  for (size_t i = 0; i < records.size(); i += append_chunk) {
    auto end = std::min(records.size(), i + append_chunk);
    chunk.assign(records.begin() + i, records.begin() + end);
    meta.head = chunk.back().seq;
    meta.last_ts = chunk.back().ts;
    s = store->append(meta, chunk);
    if (!s.ok())
      throw runtime_error("writing " + name + " failed at seq "
                          + std::to_string(chunk.front().seq) + ": "
                          + status_text(s));
    bar.update(end);
  }
  // The final metadata: head and last_ts from the header (also when no
  // record is retained).
  meta.head = h.head;
  meta.last_ts = h.last_ts;
  if (h.kind == "state") {
    meta.state = h.state.empty() ? "{}" : h.state;
    meta.state_seq = h.state_seq;
  }
  s = store->append(meta, {});
  if (!s.ok())
    throw runtime_error("writing the metadata of " + name + " failed: "
                        + status_text(s));
  bar.finish();
  out << "imported " << records.size() << " records into " << name
      << " (epoch " << meta.epoch << ", seqs " << h.first << ".." << h.head
      << ")\n";
  return exit_ok;
}

} // namespace tidewire::replay
