// --stop-when and --prune: the pruner's rules (Optuna's MedianPruner and
// PercentilePruner, each threshold worked out by hand) and the watch that
// reads them from job output as the report does.
#include "report/metric_watch.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "report/pruner.hpp"
#include "sweep/error.hpp"

using namespace sweep;
using namespace sweep::report;

namespace {

PruneRule rule(double percentile, std::uint64_t min_jobs, Goal goal,
               double warmup = 0) {
  PruneRule r;
  r.percentile = percentile;
  r.min_jobs = min_jobs;
  r.goal = goal;
  r.warmup = warmup;
  return r;
}

Job job(std::uint64_t index) {
  Job j;
  j.index = index;
  j.params_json = "{\"x\":" + std::to_string(index) + "}";
  j.argv = {"fake"};
  return j;
}

}  // namespace

TEST_CASE("median: a job worse than the others' median at a step is pruned") {
  Pruner p(rule(50, 2, Goal::kMax));
  CHECK_FALSE(p.report(0, 1, 0.9));  // no other job has step 1
  CHECK_FALSE(p.report(1, 1, 0.8));  // one other: fewer than 2
  CHECK(p.report(2, 1, 0.7));        // median of 0.9, 0.8 is 0.85
  CHECK_FALSE(p.report(3, 1, 0.86));
}

TEST_CASE("min goal: the comparison turns around") {
  Pruner p(rule(50, 2, Goal::kMin));
  p.report(0, 1, 1.0);
  p.report(1, 1, 2.0);
  CHECK(p.report(2, 1, 1.6));  // median 1.5, lower is better
  CHECK_FALSE(p.report(3, 1, 1.4));
}

TEST_CASE("a tie at the median is not pruned") {
  Pruner p(rule(50, 3, Goal::kMax));
  for (std::uint64_t j = 0; j < 3; ++j) p.report(j, 1, 0.5);
  CHECK_FALSE(p.report(3, 1, 0.5));
}

TEST_CASE("the job's best value so far is what is judged") {
  Pruner p(rule(50, 2, Goal::kMax));
  p.report(0, 1, 0.2);
  p.report(1, 1, 0.3);
  CHECK_FALSE(p.report(2, 1, 0.9));
  p.report(0, 2, 0.5);
  p.report(1, 2, 0.6);
  // Job 2 fell to 0.1 at step 2, but its best, 0.9, beats the median 0.55.
  CHECK_FALSE(p.report(2, 2, 0.1));
}

TEST_CASE("no decision before the warmup step") {
  Pruner p(rule(50, 1, Goal::kMax, 3));
  p.report(0, 1, 0.9);
  CHECK_FALSE(p.report(1, 1, 0.1));
  p.report(0, 3, 0.9);
  CHECK(p.report(1, 3, 0.1));
}

TEST_CASE("percentile:25 keeps the top quarter") {
  // Others 1..5: numpy's 75th percentile is 4 (for max), 25th is 2 (min).
  Pruner max(rule(25, 5, Goal::kMax));
  Pruner min(rule(25, 5, Goal::kMin));
  for (std::uint64_t j = 0; j < 5; ++j) {
    max.report(j, 1, static_cast<double>(j + 1));
    min.report(j, 1, static_cast<double>(j + 1));
  }
  CHECK(max.report(10, 1, 3.5));
  CHECK_FALSE(max.report(11, 1, 4.5));
  CHECK(min.report(10, 1, 2.5));
  CHECK_FALSE(min.report(11, 1, 1.5));
}

TEST_CASE("NaN: a job with only NaN is pruned, others' NaN do not count") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Pruner p(rule(50, 2, Goal::kMax));
  p.report(0, 1, 0.5);
  p.report(1, 1, nan);
  CHECK_FALSE(p.report(2, 1, 0.1));  // one number among the others
  p.report(3, 1, 0.7);
  CHECK(p.report(4, 1, nan));  // 0.5, 0.7 (and 0.1) have numbers; NaN none
  CHECK(p.report(2, 1, 0.1));  // now two others have numbers: median 0.6
}

TEST_CASE("infinities order as numbers, and decide nothing when unordered") {
  const double inf = std::numeric_limits<double>::infinity();
  Pruner p(rule(50, 2, Goal::kMax));
  p.report(0, 1, 1.0);
  p.report(1, 1, 2.0);
  CHECK_FALSE(p.report(2, 1, inf));
  CHECK(p.report(3, 1, -inf));
  Pruner q(rule(50, 2, Goal::kMax));
  q.report(0, 1, inf);
  q.report(1, 1, inf);
  // inf - inf has no value: no threshold, no decision.
  CHECK_FALSE(q.report(2, 1, 0.0));
}

TEST_CASE("--prune rules parse, and bad ones name the flag") {
  CHECK(PruneRule::parse_percentile("median") == 50);
  CHECK(PruneRule::parse_percentile("percentile:25") == 25);
  CHECK_THROWS_WITH_AS(PruneRule::parse_percentile("percentile:100"),
                       "--prune 'percentile:100': write median or "
                       "percentile:P with 0 < P < 100",
                       Error);
  CHECK_THROWS_AS(PruneRule::parse_percentile("mean"), Error);
}

TEST_CASE("the watch reads metrics as the report does and decides once") {
  WatchOptions o;
  o.targets = parse_targets({"acc>=0.95"});
  o.prune = rule(50, 2, Goal::kMax);
  o.metric = "acc";
  MetricWatch w(std::move(o));
  w.on_line(job(0), Stream::kStdout, "step=1 acc=0.9");
  w.on_line(job(1), Stream::kStdout, "{\"epoch\": 1, \"acc\": 0.8}");
  w.on_line(job(2), Stream::kStderr, "step=1 acc=0.1");  // not a metric
  w.on_line(job(3), Stream::kStdout, "acc=0.1");  // no step: never judged
  CHECK(w.take_prunes().empty());
  w.on_line(job(2), Stream::kStdout, "step=1 acc=0.7");
  auto prunes = w.take_prunes();
  REQUIRE(prunes.size() == 1);
  CHECK(prunes[0].job == 2);
  CHECK(prunes[0].step == 1);
  w.on_line(job(2), Stream::kStdout, "step=2 acc=0.1");
  CHECK(w.take_prunes().empty());  // each job once
  CHECK(w.stop_reason().empty());
  w.on_line(job(0), Stream::kStdout, "step=2 acc=0.96");
  CHECK(w.stop_reason() == "acc=0.96 met --stop-when acc>=0.95 (job 0)");
}

TEST_CASE("--stop-when values: one numeric condition each") {
  CHECK(parse_targets({"acc>=0.9", "loss<0.1"}).size() == 2);
  CHECK_THROWS_AS(parse_targets({"acc>=0.9,loss<0.1"}), Error);
  CHECK_THROWS_AS(parse_targets({"model=big"}), Error);
}
