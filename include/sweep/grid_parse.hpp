#pragma once

#include <string>
#include <string_view>

#include "sweep/grid.hpp"

namespace sweep {

/// Parses a grid file's text; `source` names it in errors (file:line:col).
Grid parse_grid_json(std::string_view text, const std::string& source);

/// Reads and parses a grid file, or standard input for "-".
Grid load_grid_file(const std::string& path);

/// Parses the SPEC of `-p NAME=SPEC`: `a,b,c` (with `\,` a literal comma),
/// `A..B` or `A..B:S`. `flag` names the whole argument in errors.
std::shared_ptr<const ValueSeq> parse_param_spec(std::string_view spec,
                                                 const std::string& flag);

/// Applies `-p NAME=SPEC` flags to a grid in order; a name given twice is an
/// error, a name the grid file has replaces its axis in place.
void apply_param_flags(Grid& grid, const std::vector<std::string>& flags);

}  // namespace sweep
