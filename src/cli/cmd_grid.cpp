#include <unistd.h>

#include "commands.hpp"
#include "sweep/output_stream.hpp"

namespace sweep::cli {

CLI::App* setup_grid(CLI::App& app, GridCommandOptions& o) {
  auto* sub = app.add_subcommand(
      "grid", "Print a grid's points as JSON Lines, to check it before a run");
  add_grid_options(*sub, o.grid);
  sub->add_flag("--count", o.count, "Print only the number of points");
  add_log_options(*sub, o.log);
  sub->footer(
      "Examples:\n"
      "  sweep grid configs/example.json --count\n"
      "  sweep grid -p depth=2..4 -p impurity=gini,entropy");
  return sub;
}

int run_grid(const GridCommandOptions& o) {
  Grid grid = build_grid(o.grid);
  std::uint64_t n = grid.size();
  OutputStream out(STDOUT_FILENO);
  if (o.count) {
    out.write(std::to_string(n) + "\n");
    out.flush();
    return 0;
  }
  for (std::uint64_t i = 0; i < n && !out.closed(); ++i) {
    std::string& b = out.buffer();
    b += "{\"job\":" + std::to_string(i) + ",\"params\":";
    append_params_json(b, grid, grid.point(i));
    b += "}\n";
    out.commit();
  }
  out.flush();
  return 0;
}

}  // namespace sweep::cli
