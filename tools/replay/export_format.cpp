#include "tools/replay/export_format.hpp"

#include <nlohmann/json.hpp>

#include "tools/replay/common.hpp"

namespace tidewire::replay {

using ojson = nlohmann::ordered_json;

std::string header_line(const export_header& h) {
  ojson j{{"tidewire_export", export_version},
          {"channel", h.channel},
          {"kind", h.kind},
          {"epoch", h.epoch},
          {"first", h.first},
          {"head", h.head},
          {"last_ts", h.last_ts}};
  if (h.kind == "state") {
    j["state"] = h.state;
    j["state_seq"] = h.state_seq;
  }
  return j.dump();
}

export_header parse_header_line(const std::string& line) {
  auto j = ojson::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("tidewire_export"))
    throw runtime_error("line 1 is not a tidewire export header "
                        "({\"tidewire_export\":1,...})");
  try {
    if (j.at("tidewire_export").get<int>() != export_version)
      throw runtime_error("unsupported export version "
                          + j.at("tidewire_export").dump());
    export_header h;
    h.channel = j.at("channel").get<std::string>();
    h.kind = j.at("kind").get<std::string>();
    h.epoch = j.at("epoch").get<std::string>();
    h.first = j.at("first").get<uint64_t>();
    h.head = j.at("head").get<uint64_t>();
    h.last_ts = j.value("last_ts", int64_t{0});
    h.state = j.value("state", std::string{});
    h.state_seq = j.value("state_seq", h.head);
    if (h.kind != "stream" && h.kind != "state")
      throw runtime_error("export header: kind must be stream or state");
    if (h.first == 0 || h.first > h.head + 1)
      throw runtime_error("export header: first " + std::to_string(h.first)
                          + " does not fit head " + std::to_string(h.head));
    if (h.kind == "state"
        && (h.state_seq > h.head || h.state_seq + 1 < h.first))
      throw runtime_error("export header: state_seq "
                          + std::to_string(h.state_seq) + " must lie in "
                          + std::to_string(h.first - 1) + ".."
                          + std::to_string(h.head));
    return h;
  } catch (const nlohmann::json::exception& e) {
    throw runtime_error(std::string{"export header: "} + e.what());
  }
}

storage::record parse_record_line(const std::string& line, uint64_t line_no) {
  auto where = "line " + std::to_string(line_no);
  auto j = ojson::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw runtime_error(where + " is not JSON");
  storage::record rec;
  try {
    rec.seq = j.at("seq").get<uint64_t>();
    rec.ts = j.at("ts").get<int64_t>();
    if (j.contains("key")) {
      rec.key = j.at("key").get<std::string>();
      if (rec.key.empty() || rec.key.size() > max_key_bytes)
        throw runtime_error(where + ": \"key\" must be 1 to "
                            + std::to_string(max_key_bytes) + " characters");
    }
    const auto& data = j.at("data");
    constexpr std::string_view marker = ",\"data\":";
    auto pos = line.find(marker);
    if (line.rfind("{\"seq\":", 0) == 0 && pos != std::string::npos
        && line.back() == '}') {
      auto begin = pos + marker.size();
      rec.data = line.substr(begin, line.size() - 1 - begin);
      if (ojson::parse(rec.data, nullptr, false) != data)
        rec.data = data.dump();
    } else {
      rec.data = data.dump();
    }
  } catch (const nlohmann::json::exception& e) {
    throw runtime_error(where + ": " + e.what());
  }
  return rec;
}

} // namespace tidewire::replay
