#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sweep {

/// A temporary file for bytes that should not stay in memory. It has no
/// name from the start (O_TMPFILE, or mkstemp then unlink), so nothing is
/// left behind however sweep ends. It is created at the first append, in
/// $TMPDIR (default /tmp).
class SpillFile {
 public:
  SpillFile() = default;
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  /// Appends bytes at the end and returns the offset they start at; two
  /// appends in a row are contiguous. Throws SystemError (e.g. disk full).
  std::uint64_t append(std::string_view bytes);
  /// Appends the size bytes at offset to out; throws SystemError.
  void read(std::uint64_t offset, std::size_t size, std::string& out) const;
  /// Gives back the disk space of bytes already read and no longer needed.
  void release(std::uint64_t offset, std::uint64_t size);
  /// Empties the file: offsets start again from 0.
  void clear();
  /// Bytes appended since the last clear().
  std::uint64_t size() const { return end_; }

 private:
  void open();
  int fd_ = -1;
  std::uint64_t end_ = 0;  ///< Where the next append goes.
};

}  // namespace sweep
