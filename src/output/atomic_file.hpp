#pragma once

// A file written whole or not at all: a report's page is made only at the
// end of a run or a read, but a bad path must fail before any work, and a
// failed report must not leave an empty page over an earlier one. So a
// temporary file is created beside the target at once and renamed over it
// when the text is ready; if it never is, the temporary file is removed.

#include <string>
#include <string_view>

namespace sweep {

/// A file that appears at `path` only when commit() succeeds.
class AtomicFile {
 public:
  /// Creates the temporary file beside path; throws Error naming path.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  /// Writes text and renames the file into place; throws Error naming path.
  void commit(std::string_view text);
  const std::string& path() const { return path_; }

 private:
  std::string path_, temp_;
  int fd_ = -1;
};

}  // namespace sweep
