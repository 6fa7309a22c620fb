#include "sweep/command_sweep.hpp"

#include <unistd.h>

#include "command/command_template.hpp"
#include "core/record_writer.hpp"
#include "exec/job_source.hpp"
#include "exec/runner.hpp"
#include "exec/scheduler.hpp"
#include "sweep/error.hpp"

namespace sweep {
namespace {

// Turns job events into records through the one writer and the one reader,
// so a program sees exactly what `sweep run` would write.
class RecordCallbackSink : public EventSink {
 public:
  RecordCallbackSink(Stats& stats, const CommandSweepOptions& o)
      : stats_(stats), o_(o) {}
  void on_start(const Job& job) override {
    if (job.attempt == 1) stats_.started();
  }
  void on_line(const Job& job, Stream stream, std::string_view line) override {
    if (stream == Stream::kStderr && !o_.stderr_records) return;
    text_.clear();
    append_record_head(text_, record_head(job));
    append_line_prefix(text_, stream);
    append_line_body(text_, line);
    deliver();
  }
  void on_finish(const Job& job, const JobResult& result) override {
    stats_.finished(result);
    text_.clear();
    append_end_record(text_, record_head(job), result);
    deliver();
  }

 private:
  void deliver() {
    if (!o_.on_record) return;
    std::string_view json(text_.data(), text_.size() - 1);  // no newline
    if (reader_.parse(json, record_)) o_.on_record(record_, json);
  }
  Stats& stats_;
  const CommandSweepOptions& o_;
  std::string text_;
  RecordReader reader_;
  Record record_;
};

}  // namespace

StatsSummary run_command_sweep(const Grid& grid,
                               const std::vector<std::string>& command,
                               const CommandSweepOptions& o) {
  if (command.empty()) throw Error("run_command_sweep: the command is empty");
  CommandTemplate tmpl(command, grid);
  if (!tmpl.program_has_placeholder()) resolve_executable(command[0]);
  PlanOptions po;
  po.repeat = o.repeat;
  Plan plan(grid, po);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  SchedulerOptions so;
  so.threads = o.threads ? o.threads : static_cast<size_t>(cpus > 0 ? cpus : 1);
  so.timeout = o.timeout;
  so.kill_after = o.kill_after;
  so.retries = o.retries;
  std::uint64_t jobs = plan.size();
  Stats stats(plan.points(), jobs,
              static_cast<size_t>(std::min<std::uint64_t>(
                  so.threads, std::max<std::uint64_t>(jobs, 1))));
  RecordCallbackSink sink(stats, o);
  GridJobSource source(grid, plan, tmpl);
  LocalRunner runner;
  RunOutcome outcome = Scheduler(source, runner, sink, so).run();
  return stats.summary(outcome.wall_s, outcome.interrupted_by, outcome.halted);
}

}  // namespace sweep
