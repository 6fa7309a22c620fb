#include "output/spill_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "sweep/error.hpp"

namespace sweep {

namespace {

std::string temp_dir() {
  const char* dir = std::getenv("TMPDIR");
  return dir && *dir ? dir : "/tmp";
}

// A file without a name in dir. O_TMPFILE never gives it one; where the
// filesystem lacks O_TMPFILE, a mkstemp name is removed at once.
int open_unnamed(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
    throw Error(dir +
                ": cannot create a temporary file: " + std::strerror(errno));
  std::string name = dir + "/sweep-spill-XXXXXX";
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0)
    throw Error(dir +
                ": cannot create a temporary file: " + std::strerror(errno));
  if (::unlink(name.c_str()) != 0) {
    int e = errno;
    ::close(fd);
    throw SystemError("unlink " + name, e);
  }
  return fd;
}

}  // namespace

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

void SpillFile::open() { fd_ = open_unnamed(temp_dir()); }

std::uint64_t SpillFile::append(std::string_view bytes) {
  if (fd_ < 0) open();
  std::uint64_t at = end_;
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                         static_cast<off_t>(end_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SystemError("write to a temporary file", errno);
    done += static_cast<std::size_t>(n);
  }
  end_ += bytes.size();
  return at;
}

void SpillFile::read(std::uint64_t offset, std::size_t size,
                     std::string& out) const {
  std::size_t start = out.size();
  out.resize(start + size);
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd_, out.data() + start + done, size - done,
                        static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SystemError("read from a temporary file", errno);
    // Only bytes this object wrote are read: the file cannot be shorter.
    if (n == 0) throw SystemError("read from a temporary file", EIO);
    done += static_cast<std::size_t>(n);
  }
}

void SpillFile::release(std::uint64_t offset, std::uint64_t size) {
  if (fd_ < 0 || size == 0) return;
  // Freeing early is an economy only: where holes are not supported, the
  // space comes back at clear() instead.
  if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  static_cast<off_t>(offset), static_cast<off_t>(size)) != 0 &&
      errno != EOPNOTSUPP && errno != ENOSYS)
    throw SystemError("fallocate on a temporary file", errno);
}

void SpillFile::clear() {
  if (fd_ >= 0 && ::ftruncate(fd_, 0) != 0)
    throw SystemError("ftruncate on a temporary file", errno);
  end_ = 0;
}

}  // namespace sweep
