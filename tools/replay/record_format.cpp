#include "tools/replay/record_format.hpp"

#include <ostream>

#include "storage/codec.hpp"
#include "tools/replay/common.hpp"
#include "tools/replay/time_text.hpp"

namespace tidewire::replay {

record_format parse_record_format(const std::string& text) {
  if (text == "jsonl")
    return record_format::jsonl;
  if (text == "table")
    return record_format::table;
  if (text == "msgpack")
    return record_format::msgpack;
  throw usage_error("--format expects jsonl, table or msgpack, got '" + text
                    + "'");
}

void print_header(std::ostream& out, record_format f) {
  if (f == record_format::table)
    out << "SEQ       TS                        DATA\n";
}

void print_record(std::ostream& out, record_format f,
                  const storage::record& rec) {
  switch (f) {
    case record_format::jsonl:
      out << record_json(rec) << '\n';
      break;
    case record_format::table: {
      auto seq = std::to_string(rec.seq);
      out << seq << std::string(seq.size() < 10 ? 10 - seq.size() : 1, ' ')
          << iso_time(rec.ts) << "  " << rec.data << '\n';
      break;
    }
    case record_format::msgpack:
      out << storage::codec::encode(rec);
      break;
  }
}

} // namespace tidewire::replay
