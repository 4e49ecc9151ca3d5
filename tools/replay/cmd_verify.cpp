// tidewire-replay verify: walks the raw key space of both column families
// and checks every record and every channel's metadata against each other.
//
//   meta CF:    format marker, store_id, each channel/<name> decodes, ids unique
//   records CF: key shape, owner channel exists, value decodes, seq agrees
//               with the key, data is JSON, seq within first..head, no gaps
//   per channel: first/head/last_ts match the first/last records; a state
//               channel with full history rebuilds to its stored snapshot

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>
#include <rocksdb/db.h>

#include "storage/codec.hpp"
#include "storage/keys.hpp"
#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"

namespace tidewire::replay {

const char* const verify_help =
  R"(usage: tidewire-replay verify [--data-dir=DIR] [--max-problems=N]

Decodes every record and checks, per channel: seq continuity within the
retained range first..head, that each key's seq matches its record's seq,
that data is JSON, and that the metadata agrees with the records (first is
the first record, head the last, last_ts the head's time; a state channel
with its whole history rebuilds to the stored document).

Prints "ok: N channels, M records" and exits 0 when all is well; otherwise
prints one "problem: ..." line per problem (at most --max-problems, 100,
then a count) and exits 1.
)";

namespace {

struct channel_check {
  storage::channel_meta meta;
  uint64_t count = 0;
  std::optional<uint64_t> first_seen, last_seen;
  int64_t last_seen_ts = 0;
  uint64_t expected = 0; // next seq expected while walking
  bool records_ok = true;
  nlohmann::json doc = nlohmann::json::object();
  // The rebuilt document at the stored snapshot's seq (meta.state_seq).
  nlohmann::json doc_at_snapshot = nlohmann::json::object();
};

class reporter {
public:
  reporter(std::ostream& out, uint64_t max) : out_(out), max_(max) {}
  void operator()(const std::string& text) {
    if (++count_ <= max_)
      out_ << "problem: " << text << '\n';
  }
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }

private:
  std::ostream& out_;
  uint64_t max_;
  uint64_t count_ = 0;
};

std::string range_text(uint64_t from, uint64_t to) {
  return from == to ? "seq " + std::to_string(from)
                    : "seqs " + std::to_string(from) + ".."
                        + std::to_string(to);
}

void check_marker(const storage::replay_store& store, reporter& problem) {
  std::string value;
  auto s = store.raw_db()->Get(rocksdb::ReadOptions{}, store.meta_cf(),
                               std::string{storage::keys::format}, &value);
  if (!s.ok())
    problem("format marker unreadable: " + status_text(s));
  s = store.raw_db()->Get(rocksdb::ReadOptions{}, store.meta_cf(),
                          std::string{storage::keys::next_id}, &value);
  if (!s.ok())
    problem("next_id unreadable: " + status_text(s));
}

std::map<uint32_t, channel_check>
load_channels(const storage::replay_store& store, reporter& problem) {
  std::map<uint32_t, channel_check> out;
  uint64_t next_id = 0;
  std::string value;
  if (store.raw_db()
        ->Get(rocksdb::ReadOptions{}, store.meta_cf(),
              std::string{storage::keys::next_id}, &value)
        .ok())
    (void)storage::codec::decode_uint(value, &next_id, "next_id").ok();
  std::unique_ptr<rocksdb::Iterator> it{
    store.raw_db()->NewIterator(rocksdb::ReadOptions{}, store.meta_cf())};
  auto prefix = std::string{storage::keys::channel_prefix};
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    auto key = it->key().ToString();
    channel_check c;
    auto s = storage::codec::decode(it->value(), &c.meta, key);
    if (!s.ok()) {
      problem("metadata " + key + " does not decode: " + status_text(s));
      continue;
    }
    if (key.substr(prefix.size()) != c.meta.name)
      problem("metadata " + key + " names channel '" + c.meta.name + "'");
    if (!c.meta.state.empty()) {
      c.meta.state_seq = c.meta.head; // written before snapshots: at head
    } else if (c.meta.kind == "state") {
      auto got = store.raw_db()->Get(rocksdb::ReadOptions{}, store.meta_cf(),
                                     storage::keys::state_key(c.meta.name),
                                     &c.meta.state);
      if (!got.ok() && !got.IsNotFound())
        problem(c.meta.name + ": stored document unreadable: "
                + status_text(got));
    }
    if (c.meta.head + 1 < c.meta.first)
      problem(c.meta.name + ": first " + std::to_string(c.meta.first)
              + " is beyond head + 1 (" + std::to_string(c.meta.head) + ")");
    if (next_id != 0 && c.meta.id >= next_id)
      problem(c.meta.name + ": id " + std::to_string(c.meta.id)
              + " is not below next_id " + std::to_string(next_id));
    c.expected = c.meta.first;
    auto [pos, fresh] = out.emplace(c.meta.id, std::move(c));
    if (!fresh)
      problem("channels " + pos->second.meta.name + " and " + c.meta.name
              + " share id " + std::to_string(c.meta.id));
  }
  if (!it->status().ok())
    problem("reading metadata failed: " + status_text(it->status()));
  return out;
}

void check_record(channel_check& c, uint64_t key_seq,
                  const rocksdb::Slice& value, reporter& problem) {
  const auto& name = c.meta.name;
  ++c.count;
  if (key_seq < c.meta.first || key_seq > c.meta.head)
    problem(name + ": seq " + std::to_string(key_seq)
            + " is stored but outside retention "
            + std::to_string(c.meta.first) + ".." + std::to_string(c.meta.head));
  else if (key_seq > c.expected) {
    problem(name + ": " + range_text(c.expected, key_seq - 1)
            + " missing (retained " + std::to_string(c.meta.first) + ".."
            + std::to_string(c.meta.head) + ")");
    c.records_ok = false;
  }
  c.expected = std::max(c.expected, key_seq + 1);
  if (!c.first_seen)
    c.first_seen = key_seq;
  c.last_seen = key_seq;
  storage::record rec;
  auto s = storage::codec::decode(value, &rec, name + " seq "
                                                 + std::to_string(key_seq));
  if (!s.ok()) {
    problem(name + ": seq " + std::to_string(key_seq)
            + " does not decode: " + status_text(s));
    c.records_ok = false;
    return;
  }
  c.last_seen_ts = rec.ts;
  if (rec.seq != key_seq)
    problem(name + ": key seq " + std::to_string(key_seq)
            + " holds a record with seq " + std::to_string(rec.seq));
  auto data = nlohmann::json::parse(rec.data, nullptr, false);
  if (data.is_discarded()) {
    problem(name + ": seq " + std::to_string(key_seq)
            + " data is not valid JSON");
    c.records_ok = false;
    return;
  }
  if (c.meta.kind == "state" && c.records_ok) {
    c.doc.merge_patch(data);
    if (key_seq == c.meta.state_seq)
      c.doc_at_snapshot = c.doc;
  }
}

void check_channel(const channel_check& c, reporter& problem) {
  const auto& m = c.meta;
  if (m.head >= m.first && c.expected <= m.head)
    problem(m.name + ": " + range_text(c.expected, m.head)
            + " missing (retained " + std::to_string(m.first) + ".."
            + std::to_string(m.head) + ")");
  if (c.count == 0)
    return;
  if (*c.first_seen != m.first)
    problem(m.name + ": metadata first " + std::to_string(m.first)
            + " but the first record is seq " + std::to_string(*c.first_seen));
  if (*c.last_seen != m.head)
    problem(m.name + ": metadata head " + std::to_string(m.head)
            + " but the last record is seq " + std::to_string(*c.last_seen));
  else if (c.last_seen_ts != m.last_ts && c.records_ok)
    problem(m.name + ": metadata last_ts " + std::to_string(m.last_ts)
            + " but the head record has ts " + std::to_string(c.last_seen_ts));
  if (m.kind == "state" && m.first == 1 && c.records_ok
      && *c.last_seen == m.head) {
    auto stored = nlohmann::json::parse(m.state.empty() ? "{}" : m.state,
                                        nullptr, false);
    if (stored.is_discarded())
      problem(m.name + ": stored document is not valid JSON");
    else if (stored != c.doc_at_snapshot)
      problem(m.name + ": stored document (at seq "
              + std::to_string(m.state_seq)
              + ") differs from the document rebuilt from seqs 1.."
              + std::to_string(m.state_seq));
  }
}

} // namespace

int cmd_verify(const args_t& argv, std::ostream& out, std::ostream& err) {
  auto args = parse_args(argv, {{"max-problems"}, {}, {}});
  if (!args.positional.empty())
    throw usage_error("unexpected argument '" + args.positional[0] + "'");
  auto store = open_for_reading(args.get_or("data-dir", default_data_dir));
  reporter problem{out, args.get_u64("max-problems").value_or(100)};
  check_marker(*store, problem);
  auto channels = load_channels(*store, problem);
  uint64_t records = 0;
  std::unique_ptr<rocksdb::Iterator> it{
    store->raw_db()->NewIterator(rocksdb::ReadOptions{}, store->records_cf())};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++records;
    uint32_t id = 0;
    uint64_t seq = 0;
    if (!storage::keys::parse_record_key(it->key().ToStringView(), &id, &seq)) {
      problem("record key " + it->key().ToString(true)
              + " is not a 12-byte channel|seq key");
      continue;
    }
    auto c = channels.find(id);
    if (c == channels.end()) {
      problem("seq " + std::to_string(seq) + " belongs to unknown channel id "
              + std::to_string(id));
      continue;
    }
    check_record(c->second, seq, it->value(), problem);
  }
  if (!it->status().ok())
    problem("reading records failed: " + status_text(it->status()));
  for (auto& [id, c] : channels)
    check_channel(c, problem);
  if (problem.count() > 0) {
    if (problem.count() > problem.max())
      out << "... and " << problem.count() - problem.max()
          << " more problems\n";
    out << "FAILED: " << problem.count() << " problem"
        << (problem.count() == 1 ? "" : "s") << " in " << channels.size()
        << " channels, " << records << " records\n";
    return exit_runtime;
  }
  out << "ok: " << channels.size() << " channels, " << records << " records\n";
  return exit_ok;
}

} // namespace tidewire::replay
