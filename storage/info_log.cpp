#include "storage/info_log.hpp"

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <sys/time.h>

namespace tidewire::storage {

namespace {

constexpr long max_log_bytes = 8 << 20;

class info_log final : public rocksdb::Logger {
public:
  explicit info_log(std::string dir)
    : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL),
      path_(dir + "/LOG"),
      old_path_(dir + "/LOG.old") {
    file_ = std::fopen(path_.c_str(), "a");
  }

  ~info_log() override {
    if (file_)
      std::fclose(file_);
  }

  using rocksdb::Logger::Logv;

  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }

  void Logv(const rocksdb::InfoLogLevel level, const char* format,
            va_list ap) override {
    if (level < GetInfoLogLevel())
      return;
    char text[1024];
    va_list copy;
    va_copy(copy, ap);
    std::vsnprintf(text, sizeof(text), format, copy);
    va_end(copy);
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL
        && level != rocksdb::InfoLogLevel::HEADER_LEVEL)
      std::fprintf(stderr, "tidewire: rocksdb: %s\n", text);
    std::lock_guard<std::mutex> guard{mutex_};
    rotate_if_large();
    if (!file_)
      return;
    timeval now{};
    gettimeofday(&now, nullptr);
    tm t{};
    localtime_r(&now.tv_sec, &t);
    // Errors (a full disk) are ignored on purpose: the line is lost, the
    // stream's error flag is cleared so the next line is tried again.
    std::fprintf(file_, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld %s\n",
                 t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                 t.tm_min, t.tm_sec, static_cast<long>(now.tv_usec), text);
    std::fflush(file_);
    std::clearerr(file_);
  }

  void Flush() override {
    std::lock_guard<std::mutex> guard{mutex_};
    if (file_) {
      std::fflush(file_);
      std::clearerr(file_);
    }
  }

private:
  void rotate_if_large() {
    if (!file_ || std::ftell(file_) < max_log_bytes)
      return;
    std::fclose(file_);
    std::rename(path_.c_str(), old_path_.c_str());
    file_ = std::fopen(path_.c_str(), "a");
  }

  std::string path_;
  std::string old_path_;
  std::mutex mutex_; // RocksDB logs from its own threads and ours
  std::FILE* file_ = nullptr;
};

} // namespace

std::shared_ptr<rocksdb::Logger> make_info_log(const std::string& dir) {
  return std::make_shared<info_log>(dir);
}

} // namespace tidewire::storage
