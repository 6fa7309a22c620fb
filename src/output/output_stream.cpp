#include "output/output_stream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "sweep/error.hpp"

namespace sweep {

OutputStream::OutputStream(int fd, bool owned, size_t flush_at)
    : fd_(fd), owned_(owned), flush_at_(flush_at) {
  buf_.reserve(flush_at_ * 2);
}

OutputStream OutputStream::open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(path + ": cannot open for writing: " + std::strerror(errno));
  return OutputStream(fd, true);
}

OutputStream OutputStream::open_temporary(std::string* path) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = tmp && *tmp ? tmp : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) throw SystemError("open " + dir + " (a temporary file)", errno);
  *path = "/proc/self/fd/" + std::to_string(fd);
  return OutputStream(fd, true);
}

namespace {

// A regular file whose last line has no newline ends in a record torn by a
// crash: it is cut off, so that the records appended after it are read as
// records (a reader skips only a torn *last* line). Returns errno or 0.
int cut_torn_tail(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return errno;
  if (!S_ISREG(st.st_mode) || st.st_size == 0) return 0;
  char buf[4096];
  off_t end = st.st_size;
  while (end > 0) {
    off_t from = end > static_cast<off_t>(sizeof buf)
                     ? end - static_cast<off_t>(sizeof buf)
                     : 0;
    ssize_t n = ::pread(fd, buf, static_cast<size_t>(end - from), from);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    for (ssize_t i = n; i > 0; --i)
      if (buf[i - 1] == '\n') {
        off_t keep = from + i;
        if (keep == st.st_size) return 0;
        return ::ftruncate(fd, keep) == 0 ? 0 : errno;
      }
    end = from;
  }
  return ::ftruncate(fd, 0) == 0 ? 0 : errno;
}

}  // namespace

OutputStream OutputStream::open_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0)
    throw Error(path + ": cannot open for appending: " + std::strerror(errno));
  if (int e = cut_torn_tail(fd)) {
    ::close(fd);
    throw Error(path + ": cannot append: " + std::strerror(e));
  }
  return OutputStream(fd, true);
}

OutputStream::OutputStream(OutputStream&& other) noexcept
    : fd_(other.fd_),
      owned_(other.owned_),
      flush_at_(other.flush_at_),
      closed_(other.closed_),
      buf_(std::move(other.buf_)) {
  other.owned_ = false;
  other.fd_ = -1;
}

OutputStream::~OutputStream() {
  try {
    flush();
  } catch (...) {
    // A destructor cannot report; run paths flush explicitly first.
  }
  if (owned_ && fd_ >= 0) ::close(fd_);
}

void OutputStream::write_direct(std::string_view text) {
  if (text.size() < (1 << 16)) return write(text);
  flush();
  std::string saved;
  saved.swap(buf_);  // flush() writes buf_: lend it the text without copying
  buf_ = std::string();
  size_t done = 0;
  while (done < text.size() && !closed_) {
    ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n >= 0) {
      done += n;
    } else if (errno == EPIPE) {
      closed_ = true;
    } else if (errno != EINTR && errno != EAGAIN) {
      throw SystemError("write", errno);
    } else if (errno == EAGAIN) {
      struct pollfd p = {fd_, POLLOUT, 0};
      poll(&p, 1, -1);
    }
  }
  buf_.swap(saved);
}

void OutputStream::sync() {
  flush();
  // EINVAL: the descriptor does not support syncing (a pipe, /dev/null).
  if (fd_ >= 0 && fdatasync(fd_) != 0 && errno != EINVAL && errno != EROFS)
    throw SystemError("fdatasync", errno);
}

void OutputStream::flush() {
  if (fd_ < 0) return;
  if (closed_) {
    buf_.clear();
    return;
  }
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n >= 0) {
      done += n;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN) {
      // An inherited non-blocking descriptor: wait until it takes more.
      struct pollfd p = {fd_, POLLOUT, 0};
      poll(&p, 1, -1);
    } else if (errno == EPIPE) {
      closed_ = true;
      break;
    } else {
      int e = errno;
      buf_.clear();
      throw SystemError("write", e);
    }
  }
  buf_.clear();
}

}  // namespace sweep
