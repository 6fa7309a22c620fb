#pragma once

#include <string>
#include <vector>

#include "sweep/grid.hpp"

namespace sweep {

/// A command line with `<name>` placeholders, parsed once into literal and
/// placeholder pieces so that rendering a point is a single pass.
class CommandTemplate {
 public:
  /// Parses args against the grid's parameter names. A placeholder naming no
  /// parameter throws Error before anything runs. `\<name>` is a literal.
  CommandTemplate(const std::vector<std::string>& args,
                  const std::vector<std::string>& names);

  /// The argv for one point: values are substituted once, left to right, so a
  /// value containing `<x>` is never substituted again.
  std::vector<std::string> render(const Point& point) const;

  /// True if the program name (argv[0]) contains a placeholder.
  bool program_has_placeholder() const;

  /// Number of arguments.
  size_t size() const { return args_.size(); }

 private:
  struct Piece {
    std::string literal;  ///< Text to copy, used when param < 0.
    int param = -1;       ///< Index into the point's values.
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
