#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sweep/grid.hpp"

namespace sweep {

/// What a job adds to its point for built-in placeholders.
struct JobContext {
  std::uint64_t job = 0;   ///< `<@job>`: the job's index.
  std::uint64_t rep = 0;   ///< `<@rep>`: 0-based repeat.
  std::uint64_t slot = 0;  ///< `<@slot>`: 0-based slot of the running job.
  std::string_view dir;    ///< `<@dir>`: the job's own directory, if any.
  std::string_view gpus;   ///< `<@gpus>`: its devices (--gpus), as "0,1".
};

/// A command line with `<name>` placeholders, parsed once into literal and
/// placeholder pieces so that rendering a point is a single pass.
class CommandTemplate {
 public:
  /// Parses args against a grid. A placeholder naming no parameter, or one
  /// that some union member lacks and that has no `<name:default>`, throws
  /// Error before anything runs. `\<name>` is a literal.
  CommandTemplate(const std::vector<std::string>& args, const Grid& grid);

  /// The argv for one job: values are substituted once, left to right, so a
  /// value containing `<x>` is never substituted again.
  std::vector<std::string> render(const Point& point,
                                  const JobContext& ctx = {}) const;

  /// True if the program name (argv[0]) contains a placeholder.
  bool program_has_placeholder() const;

  /// True if some argument uses `<@dir>` (which needs job directories).
  bool uses_dir() const { return uses(Kind::kDir); }

  /// True if some argument names the parameter (a grid index).
  bool uses_param(int param) const;
  /// True if some argument uses `<@gpus>` (which needs --gpus).
  bool uses_gpus() const { return uses(Kind::kGpus); }

  /// Number of arguments.
  size_t size() const { return args_.size(); }

 private:
  enum class Kind { kLiteral, kParam, kJob, kRep, kSlot, kDir, kGpus };
  bool uses(Kind kind) const;
  struct Piece {
    Kind kind = Kind::kLiteral;
    std::string text;  ///< The literal, or a parameter's default.
    int param = -1;    ///< Grid parameter index for kParam.
    bool has_default = false;
  };
  std::vector<std::vector<Piece>> args_;
};

/// Quotes a word for a POSIX shell, only when it needs quoting.
std::string shell_quote(const std::string& word);

/// Joins argv into one line that a POSIX shell reads back as the same argv.
std::string shell_join(const std::vector<std::string>& argv);

/// Resolves a program name as execvp would (PATH lookup unless it contains a
/// slash); throws Error with exit status 127 if it is missing or not
/// executable.
std::string resolve_executable(const std::string& program);

}  // namespace sweep
