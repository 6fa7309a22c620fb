#include "output/atomic_file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "sweep/error.hpp"

namespace sweep {

namespace {

[[noreturn]] void fail(const std::string& path, const char* what, int err) {
  throw Error(path + ": cannot " + what + ": " + std::strerror(err));
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) throw Error("an output file name is empty");
  size_t slash = path_.rfind('/');
  std::string dir =
      slash == std::string::npos ? "" : path_.substr(0, slash + 1);
  std::string name = path_.substr(dir.size());
  temp_ = dir + "." + name + ".sweep-XXXXXX";
  fd_ = ::mkostemp(temp_.data(), O_CLOEXEC);
  if (fd_ < 0) fail(path_, "open for writing", errno);
  // mkostemp makes it 0600; a page is as readable as any file sweep writes.
  mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd_, 0666 & ~mask) != 0) fail(path_, "open for writing", errno);
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_(std::move(other.temp_)),
      fd_(std::exchange(other.fd_, -1)) {}

AtomicFile::~AtomicFile() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(temp_.c_str());
}

void AtomicFile::commit(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path_, "write", errno);
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (::close(std::exchange(fd_, -1)) != 0) {
    int err = errno;
    ::unlink(temp_.c_str());
    fail(path_, "write", err);
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_.c_str());
    fail(path_, "write", err);
  }
}

}  // namespace sweep
