#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/grid.hpp"

namespace sweep {

/// Parses a grid file's text (format in README.md); `source` names it in
/// errors (file:line:col) and values files are found relative to `base_dir`.
Grid parse_grid_json(std::string_view text, const std::string& source,
                     const std::string& base_dir = ".");

/// Reads and parses a grid file, or standard input for "-".
Grid load_grid_file(const std::string& path);

/// Parses the SPEC of `-p NAME=SPEC`: `a,b,c` (with `\,` a literal comma),
/// `A..B`, `A..B:S`, `linspace:A,B,N`, `logspace:A,B,N` or `@FILE`. `flag`
/// names the whole argument in errors.
std::shared_ptr<const ValueSeq> parse_param_spec(std::string_view spec,
                                                 const std::string& flag);

/// Reads a values file: one value per non-empty line, typed as list items.
std::shared_ptr<const ValueSeq> load_values_file(const std::string& path,
                                                 const std::string& where);

/// Applies `-p NAME=SPEC` flags to every member in order; a name given twice
/// is an error, a name the grid file has replaces its axis in place.
void apply_param_flags(Grid& grid, const std::vector<std::string>& flags);

/// Applies `--link A,B,...` flags: each links existing parameters into one
/// axis.
void apply_link_flags(Grid& grid, const std::vector<std::string>& flags);

/// Applies `--exclude JSON` flags: each a JSON object of parameter values.
void apply_exclude_flags(Grid& grid, const std::vector<std::string>& flags);

}  // namespace sweep
