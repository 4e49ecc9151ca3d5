// retention_bench: publishing under retention, at the store level, as a
// channel actor drives it: one append per publish (batch of 1) and, once the
// channel holds more than retention + 1% + 1 records, a trim back to
// `retention`. Reports appends/s per interval for each retention, so a rate
// that sinks over time (trim tombstones piling up) shows, and the ratio of
// the overall rates.

#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "storage/data_dir.hpp"
#include "storage/replay_store.hpp"

using namespace tidewire;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  double seconds = 20;
  size_t payload = 200;
  std::vector<uint64_t> retentions{3000, 100000};
};

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      std::string prefix = std::string{"--"} + name + "=";
      return a.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (auto v = value("seconds")) {
      o.seconds = std::atof(v);
    } else if (auto v = value("payload")) {
      o.payload = std::strtoull(v, nullptr, 10);
    } else if (auto v = value("retentions")) {
      o.retentions.clear();
      std::stringstream in{v};
      std::string item;
      while (std::getline(in, item, ','))
        o.retentions.push_back(std::strtoull(item.c_str(), nullptr, 10));
    } else {
      std::cerr << "usage: retention_bench [--seconds=S] [--payload=BYTES]"
                   " [--retentions=N,M,...]\n";
      return false;
    }
  }
  return o.seconds > 0 && !o.retentions.empty();
}

// Appends for `seconds`; returns the overall appends/s (0 on error).
double run(uint64_t retention, const options& o, const std::string& dir) {
  std::unique_ptr<storage::replay_store> store;
  storage::open_options options;
  options.path = dir;
  options.mode = storage::durability::wal;
  auto s = storage::replay_store::open(options, &store);
  if (!s.ok()) {
    std::cerr << s.ToString() << '\n';
    return 0;
  }
  storage::channel_meta meta;
  s = store->create_channel("bench", "stream", &meta);
  if (!s.ok()) {
    std::cerr << s.ToString() << '\n';
    return 0;
  }
  std::string data = "\"" + std::string(o.payload, 'x') + "\"";
  auto start = clock_type::now();
  auto interval_start = start;
  uint64_t interval_n = 0;
  uint64_t total = 0;
  uint64_t trims = 0;
  auto end = start + std::chrono::duration<double>(o.seconds);
  std::cout << "retention " << retention << ":";
  for (;;) {
    auto now = clock_type::now();
    if (now >= end)
      break;
    if (now - interval_start >= std::chrono::seconds(5)) {
      std::chrono::duration<double> d = now - interval_start;
      std::cout << ' ' << static_cast<uint64_t>(interval_n / d.count());
      std::cout.flush();
      interval_start = now;
      interval_n = 0;
    }
    ++meta.head;
    meta.last_ts = 0;
    std::vector<storage::record> recs{{meta.head, 0, data, {}}};
    s = store->append(meta, recs);
    if (!s.ok()) {
      std::cerr << s.ToString() << '\n';
      return 0;
    }
    auto count = meta.head + 1 - meta.first;
    if (count > retention + retention / 100 + 1) {
      s = store->trim(&meta, retention, std::chrono::milliseconds(0), 0);
      if (!s.ok()) {
        std::cerr << s.ToString() << '\n';
        return 0;
      }
      ++trims;
    }
    ++interval_n;
    ++total;
  }
  std::chrono::duration<double> d = clock_type::now() - start;
  auto rate = total / d.count();
  std::cout << " per 5 s; overall " << static_cast<uint64_t>(rate)
            << " appends/s, " << trims << " trims\n";
  return rate;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o))
    return 2;
  std::string root;
  auto s = storage::data_dir::make_temp_dir("tidewire-retention-", &root);
  if (!s.ok()) {
    std::cerr << s.ToString() << '\n';
    return 1;
  }
  std::vector<double> rates;
  for (size_t i = 0; i < o.retentions.size(); ++i)
    rates.push_back(run(o.retentions[i], o, root + "/" + std::to_string(i)));
  storage::data_dir::remove_tree(root);
  for (size_t i = 1; i < rates.size(); ++i)
    if (rates[i] > 0)
      std::cout << "ratio retention " << o.retentions[0] << " / "
                << o.retentions[i] << ": " << std::fixed
                << std::setprecision(2) << rates[0] / rates[i] << '\n';
  return 0;
}
