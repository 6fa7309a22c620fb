// Runs the built sweep binary as a user would, capturing everything.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace e2e {

/// What a finished process left behind.
struct Result {
  int exit = -1;    ///< Exit status, or 128+signal.
  std::string out;  ///< Everything written to stdout.
  std::string err;  ///< Everything written to stderr.
  double seconds = 0;
};

/// Options for one run.
struct RunOptions {
  std::string input;          ///< Written to stdin, then closed.
  std::filesystem::path cwd;  ///< Working directory; empty: inherit.
  double timeout_s = 120;     ///< Killed after this (catches hangs only).
};

/// Runs `sweep ARGS...` and waits for it.
Result sweep(const std::vector<std::string>& args, const RunOptions& opts = {});

/// Runs any program and waits for it.
Result run(const std::vector<std::string>& argv, const RunOptions& opts = {});

/// Path of the built sweep binary, and of the test helper programs.
std::string sweep_bin();
std::string emit_bin();

/// Splits text into lines (without newlines); a last unterminated line counts.
std::vector<std::string> lines(const std::string& text);

/// Every line of a result stream, parsed (throws on a torn record).
std::vector<nlohmann::ordered_json> records(const std::string& out);

/// The end records of a result stream (those without "line" or "file").
std::vector<nlohmann::ordered_json> end_records(const std::string& out);

/// A whole file's bytes ("" if it cannot be read).
std::string read(const std::filesystem::path& p);

/// Runs `sweep ARGS...` and checks it failed as a usage error: exit 2,
/// nothing on stdout, one line on stderr, `sweep: error: ` and the message.
void check_usage_error(const std::vector<std::string>& args,
                       const std::string& message, const RunOptions& opts = {});

/// A fresh directory under /tmp, removed with everything in it at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  /// Writes a file inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

/// Starts `sweep ARGS...` in the background in dir, its stdout and stderr
/// in dir/out.jsonl and dir/err.txt; returns its pid (for waitpid).
pid_t spawn_sweep(const std::vector<std::string>& args,
                  const std::filesystem::path& dir);

/// Calls pred every `every` until it is true or the limit passed; its last
/// answer.
bool wait_until(
    const std::function<bool()>& pred,
    std::chrono::milliseconds limit = std::chrono::seconds(30),
    std::chrono::milliseconds every = std::chrono::milliseconds(50));

/// True if any process other than zombies has `marker` in its command line.
bool process_running_with(const std::string& marker);

}  // namespace e2e
