#include "sweep/output_stream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sweep/error.hpp"

namespace sweep {

OutputStream::OutputStream(int fd, bool owned) : fd_(fd), owned_(owned) {
  buf_.reserve(kFlushAt * 2);
}

OutputStream OutputStream::open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(path + ": cannot open for writing: " + std::strerror(errno));
  return OutputStream(fd, true);
}

OutputStream::OutputStream(OutputStream&& other) noexcept
    : fd_(other.fd_),
      owned_(other.owned_),
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
