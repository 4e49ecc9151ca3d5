#include "storage/data_dir.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace tidewire::storage::data_dir {

namespace {

rocksdb::Status not_writable(const std::string& path, const std::string& why) {
  return rocksdb::Status::IOError("data directory " + path +
                                  " is not writable: " + why);
}

rocksdb::Status classify(const std::string& path, kind* out) {
  std::error_code ec;
  if (fs::exists(fs::path{path} / "CURRENT", ec)) {
    *out = kind::rocksdb;
    return rocksdb::Status::OK();
  }
  fs::directory_iterator it{path, ec};
  if (ec)
    return rocksdb::Status::IOError("cannot list data directory " + path +
                                    ": " + ec.message());
  *out = it == fs::directory_iterator{} ? kind::empty : kind::foreign;
  return rocksdb::Status::OK();
}

} // namespace

rocksdb::Status prepare_for_writer(const std::string& path, kind* out) {
  if (path.empty())
    return rocksdb::Status::InvalidArgument("no data directory given");
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return not_writable(path, ec.message()); // e.g. a parent is a file
  if (!fs::exists(st)) {
    fs::create_directories(path, ec);
    if (ec)
      return not_writable(path, ec.message());
  } else if (!fs::is_directory(st)) {
    return not_writable(path, "not a directory");
  }
  // access() also reports a read-only file system (EROFS). It cannot stop
  // root on a plain permission bit, but then RocksDB would not fail either.
  if (::access(path.c_str(), W_OK | X_OK) != 0)
    return not_writable(path, std::strerror(errno));
  return classify(path, out);
}

rocksdb::Status inspect_for_reader(const std::string& path, kind* out) {
  std::error_code ec;
  if (!fs::is_directory(path, ec))
    return rocksdb::Status::NotFound("data directory " + path +
                                     " does not exist or is not a directory");
  return classify(path, out);
}

rocksdb::Status make_temp_dir(const std::string& prefix, std::string* out) {
  std::error_code ec;
  auto base = fs::temp_directory_path(ec);
  if (ec)
    base = "/tmp";
  std::string tmpl = (base / (prefix + "XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    return rocksdb::Status::IOError("cannot create a temporary directory " +
                                    tmpl + ": " + std::strerror(errno));
  *out = buf.data();
  return rocksdb::Status::OK();
}

void remove_tree(const std::string& path) noexcept {
  std::error_code ec;
  fs::remove_all(path, ec);
}

} // namespace tidewire::storage::data_dir
