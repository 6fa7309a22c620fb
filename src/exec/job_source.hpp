#pragma once

// Where a run's jobs come from: a plan's points in order (GridJobSource), or
// ASHA's trials at their budgets (HalvingJobSource); both render points into
// jobs the same way (JobBuilder).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "command/command_template.hpp"
#include "core/job.hpp"
#include "exec/halving.hpp"
#include "exec/slot_resources.hpp"
#include "grid/plan.hpp"
#include "sweep/grid.hpp"

namespace sweep {

/// Each job's own directory (--run-dir, --results): where it is and how it is
/// made. The exec layer only names it; the caller creates it safely.
struct JobDirOptions {
  /// The absolute path of a job's directory.
  std::function<std::string(const JobKey&)> path;
  /// Creates it before the job starts (not set for --dry-run).
  std::function<void(const JobKey&)> create;
  bool chdir = false;  ///< Run the job in it (--chdir).
};

/// Renders grid points into jobs: argv, environment, params, key, the job's
/// directory and its slot's share.
class JobBuilder {
 public:
  /// Both must outlive the builder; points are points of `grid`.
  JobBuilder(const Grid& grid, const CommandTemplate& command);
  /// The key of a point's repeat.
  JobKey key_of(const Point& p, std::uint64_t rep) const;
  /// Fills in everything of `job` but its numbers (index, point, rep, pos),
  /// which the caller sets first; creates its directory.
  void build(Job& job, const Point& p, const JobKey& key,
             std::size_t slot) const;
  /// Gives every job a directory: `<@dir>`, SWEEP_JOB_DIR, and with chdir
  /// its working directory. The directory is created as the job is built.
  void set_job_dirs(JobDirOptions dirs) { dirs_ = std::move(dirs); }
  /// Gives each job its slot's share (devices, cores, variables; see
  /// SlotResources), which must outlive the builder.
  void set_slot_resources(const SlotResources* r) { resources_ = r; }

 private:
  const Grid& grid_;
  const CommandTemplate& command_;
  JobDirOptions dirs_;
  const SlotResources* resources_ = nullptr;
  std::vector<std::string> env_names_;  ///< SWEEP_<NAME> per parameter.
};

/// Hands out a plan's jobs in order, rendered from a command template.
class GridJobSource : public JobSource {
 public:
  /// All three must outlive the source.
  GridJobSource(const Grid& grid, const Plan& plan,
                const CommandTemplate& command);
  std::optional<Job> next(std::size_t slot) override;
  /// Renders the job again, so that <@slot> names its new slot.
  Job again(const Job& job, std::size_t slot) override;
  /// The job at a plan position, to run in a slot.
  Job make_job(std::uint64_t pos, std::size_t slot);
  /// Skips jobs whose key the predicate accepts (already done: --resume).
  void set_skip(std::function<bool(const JobKey&)> skip) {
    skip_ = std::move(skip);
  }
  /// Where the jobs' directories and slot shares are set.
  JobBuilder& builder() { return builder_; }
  /// Jobs skipped so far.
  std::uint64_t skipped() const { return skipped_; }
  /// How many jobs of the whole plan the skip predicate accepts: one pass
  /// over the plan's keys, rendering nothing.
  std::uint64_t count_skips() const;

 private:
  Job make(std::uint64_t pos, const PlannedJob& planned, const Point& p,
           const JobKey& key, std::size_t slot) const;

  const Grid& grid_;
  const Plan& plan_;
  JobBuilder builder_;
  PointCursor cursor_;
  std::uint64_t next_ = 0;
  std::uint64_t skipped_ = 0;
  std::function<bool(const JobKey&)> skip_;
};

/// --halving: the budget parameter and its rungs.
struct HalvingBudget {
  std::string name;            ///< The parameter, e.g. "epochs".
  std::vector<Value> budgets;  ///< One per rung, lowest first.
  unsigned eta = 3;            ///< Each rung keeps the top 1/eta.
  bool hyperband = false;      ///< Hyperband's brackets.
  bool maximize = true;        ///< Which way the metric is better.
};

/// Parses --halving's NAME=MIN..MAX: rungs MIN, MIN*eta, MIN*eta^2, ...
/// below MAX, then MAX (integers if both are). Throws Error naming the flag
/// and the text.
HalvingBudget parse_halving(std::string_view text, std::uint64_t eta);

/// Grid with the budget parameter added as a last axis of its rungs: the
/// grid a --halving run's command and records name it in. Throws Error if
/// the grid is a union or already has the parameter.
Grid grid_with_budget(const Grid& grid, const HalvingBudget& budget);

/// Whether an earlier run finished the trial of this key; if so, whether it
/// succeeded and the value that ranked it, if any.
using PastTrial =
    std::function<bool(const JobKey&, bool& ok, std::optional<double>&)>;

/// Hands out ASHA's trials (see Halving): each a plan point with the budget
/// parameter set to its rung's budget, promoted as trials end. Job numbers
/// are the point's number in the budgeted grid: point x rungs + rung.
class HalvingJobSource : public JobSource {
 public:
  /// All must outlive the source: `grid` the plan's, `budgeted` from
  /// grid_with_budget (the command is parsed against it), no repeats.
  HalvingJobSource(const Grid& grid, const Grid& budgeted, const Plan& plan,
                   const CommandTemplate& command, HalvingBudget budget);
  /// The next trial ASHA picks, or nothing until a running one ends.
  std::optional<Job> next(std::size_t slot) override;
  /// The same trial again (a retry), in another slot.
  Job again(const Job& job, std::size_t slot) override;
  /// Takes a finished trial's value (JobResult::rung_value) into account.
  void finished(const Job& job, const JobResult& result) override;
  /// Restores the trials an earlier run finished (--resume): each key of a
  /// trial the predicate accepts is not run again. Returns how many.
  std::uint64_t restore(const PastTrial& past);
  /// Where the trials' directories and slot shares are set.
  JobBuilder& builder() { return builder_; }
  /// The fewest trials a whole run takes when each reports a value.
  std::uint64_t planned() const { return halving_.planned(); }
  /// The highest rung started so far.
  unsigned highest_rung() const { return halving_.highest_started(); }
  /// Trials that succeeded without a value of the metric (never promoted).
  std::uint64_t unranked() const { return unranked_; }
  /// Trials that succeeded with a value.
  std::uint64_t ranked() const { return ranked_; }
  /// Restored trials that succeeded without a value (a journal not written
  /// by a --halving run has none).
  std::uint64_t restored_unranked() const { return restored_unranked_; }

 private:
  Job make(Trial t, std::size_t slot);
  Point point_of(Trial t);

  const Grid& budgeted_;
  const Plan& plan_;
  HalvingBudget budget_;
  int budget_param_;  ///< The budget's index in `budgeted_`.
  JobBuilder builder_;
  PointCursor cursor_;
  Halving halving_;
  std::uint64_t unranked_ = 0, ranked_ = 0, restored_unranked_ = 0;
};

/// The environment variable that carries a parameter: SWEEP_ and the name
/// upper-cased, characters other than letters and digits turned into `_`.
std::string env_var_name(const std::string& param);

}  // namespace sweep
