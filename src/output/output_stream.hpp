#pragma once

#include <string>
#include <string_view>

namespace sweep {

/// A buffered writer to a file descriptor that only ever writes whole
/// records: callers append complete records, and flushing loops until every
/// byte is written. A reader that goes away (EPIPE) closes the stream quietly.
class OutputStream {
 public:
  /// Default buffer size before a write(2).
  static constexpr size_t kFlushAt = 1 << 18;

  /// Writes to fd; takes ownership when `owned`. Buffers up to flush_at
  /// bytes (listings use a small value, so `| head` sees lines at once).
  explicit OutputStream(int fd, bool owned = false, size_t flush_at = kFlushAt);
  /// Opens path for writing (truncating); throws Error naming the path.
  static OutputStream open_file(const std::string& path);
  /// Opens path for appending (created if missing): what a resumed run adds
  /// to its stream. A torn last line (a crash mid-record) is cut off first,
  /// so that what follows reads as records. Throws Error naming the path.
  static OutputStream open_append(const std::string& path);
  /// Opens an unnamed file in $TMPDIR (else /tmp), gone when closed; *path
  /// is set to a name to read it by while it is open. Throws SystemError.
  static OutputStream open_temporary(std::string* path);
  OutputStream(OutputStream&& other) noexcept;
  ~OutputStream();

  /// Appends text; flushes when the buffer is large.
  void write(std::string_view text) {
    buf_ += text;
    if (buf_.size() >= flush_at_) flush();
  }
  /// Writes a large block straight to the descriptor (after what is
  /// buffered), saving a copy; small ones are buffered as by write().
  void write_direct(std::string_view text);
  /// The buffer, for building a record in place; call commit() after.
  std::string& buffer() { return buf_; }
  /// Flushes when the buffer is large.
  void commit() {
    if (buf_.size() >= flush_at_) flush();
  }
  /// Writes everything buffered. Throws SystemError on errors other than a
  /// closed reader.
  void flush();
  /// Makes written data durable (fdatasync); throws SystemError on failure.
  void sync();
  /// True once the reader closed the pipe; later writes are dropped.
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool owned_;
  size_t flush_at_;
  bool closed_ = false;
  std::string buf_;
};

}  // namespace sweep
