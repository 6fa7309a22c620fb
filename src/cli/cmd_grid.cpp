#include <unistd.h>

#include "commands.hpp"
#include "core/record_writer.hpp"
#include "exec/job_source.hpp"
#include "exec/scheduler.hpp"
#include "output/output_stream.hpp"

namespace sweep::cli {

CLI::App* setup_grid(CLI::App& app, GridCommandOptions& o) {
  auto* sub = app.add_subcommand(
      "grid", "Print a grid's points as JSON Lines, to check it before a run");
  add_grid_options(*sub, o.grid);
  sub->add_flag("--count", o.count, "Print only the number of jobs");
  sub->add_flag("--describe", o.describe,
                "Print the axes, their sizes and the total");
  add_log_options(*sub, o.log);
  sub->footer(
      "Examples:\n"
      "  sweep grid configs/example.json --count\n"
      "  sweep grid -p depth=2..4 -p impurity=gini,entropy --exclude "
      "'{\"depth\": 3}'\n"
      "  sweep grid configs/union.json --describe\n"
      "  sweep grid -p lr=logspace:-4,-1,4 -p seed=1..100 --sample 5 --seed 7");
  return sub;
}

int run_grid(const GridCommandOptions& o) {
  Grid grid = build_grid(o.grid);
  OutputStream out(STDOUT_FILENO, false,
                   4096);  // a listing: lines go out early
  if (o.describe) {
    out.write(describe_grid(grid));
    out.flush();
    return 0;
  }
  Plan plan = build_plan(grid, o.grid);
  if (o.count) {
    out.write(std::to_string(plan.size()) + "\n");
    out.flush();
    return 0;
  }
  PointCursor cursor(grid);
  std::string params, b64;
  for (std::uint64_t pos = 0; pos < plan.size() && !out.closed(); ++pos) {
    PlannedJob job = plan.at(pos);
    params.clear();
    Point point = cursor.point(job.point);
    append_params_json(params, grid, point);
    b64.clear();
    append_params_b64_json(b64, grid, point);
    RecordHead head{job.job, params, std::nullopt, std::nullopt, b64};
    if (plan.options().repeat > 1) head.rep = job.rep;
    append_grid_record(out.buffer(), head);
    out.commit();
  }
  out.flush();
  return 0;
}

}  // namespace sweep::cli
