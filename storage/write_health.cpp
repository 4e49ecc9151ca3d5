#include "storage/write_health.hpp"

#include <filesystem>
#include <system_error>

#include "storage/replay_store_impl.hpp"

namespace tidewire::storage {

namespace {

class error_listener final : public rocksdb::EventListener {
public:
  explicit error_listener(std::shared_ptr<write_health> health)
    : health_(std::move(health)) {
  }

  const char* Name() const override {
    return "tidewire.error_listener";
  }

  void OnBackgroundError(rocksdb::BackgroundErrorReason,
                         rocksdb::Status* error) override {
    // Soft errors (a compaction that found no room) do not stop writes.
    if (error->severity() >= rocksdb::Status::Severity::kHardError)
      health_->stop(*error);
  }

  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                            bool* auto_recovery) override {
    *auto_recovery = false; // the store writer resumes (write_health.hpp)
  }

private:
  std::shared_ptr<write_health> health_;
};

std::string mib(uint64_t bytes) {
  return std::to_string(bytes / (1 << 20)) + " MiB";
}

} // namespace

std::shared_ptr<rocksdb::EventListener>
make_error_listener(std::shared_ptr<write_health> health) {
  return std::make_shared<error_listener>(std::move(health));
}

uint64_t free_bytes(const std::string& path) {
  std::error_code ec;
  auto info = std::filesystem::space(path, ec);
  if (ec)
    return UINT64_MAX;
  return info.available;
}

rocksdb::Status write_batch(store_state& d, rocksdb::WriteBatch& batch,
                            bool grows) {
  auto& health = *d.health;
  if (health.stopped.load()) {
    if (health.no_space.load())
      return rocksdb::Status::NoSpace(
        "the data directory " + d.opts.path + " is full",
        "writes resume once there is room");
    return rocksdb::Status::IOError("the store stopped after a write error",
                                    "writes resume once it recovers");
  }
  if (grows && d.opts.min_free_bytes > 0) {
    auto left = free_bytes(d.opts.path);
    if (left < d.opts.min_free_bytes)
      return rocksdb::Status::NoSpace(
        "the data directory " + d.opts.path + " is full",
        mib(left) + " free, " + mib(d.opts.min_free_bytes)
          + " are kept free");
  }
  auto s = d.db->Write(d.write_opts, &batch);
  // An I/O error (the WAL could not be written) stops RocksDB's writes;
  // the listener has usually said so already.
  if (s.IsIOError() || s.IsCorruption())
    health.stop(s);
  return s;
}

bool replay_store::writes_stopped() const {
  return impl_->health->stopped.load();
}

rocksdb::Status replay_store::resume() {
  auto& d = *impl_;
  if (!d.health->stopped.load())
    return rocksdb::Status::OK();
  auto need = std::max<uint64_t>(d.opts.min_free_bytes, 1);
  auto left = free_bytes(d.opts.path);
  if (left < need)
    return rocksdb::Status::NoSpace("the data directory " + d.opts.path
                                      + " is still full",
                                    mib(left) + " free");
  // Flushes every memtable to new table files and starts a new WAL: the
  // one whose write failed is not trusted again.
  auto s = d.db->Resume();
  if (!s.ok())
    return s;
  d.health->stopped.store(false);
  return rocksdb::Status::OK();
}

} // namespace tidewire::storage
