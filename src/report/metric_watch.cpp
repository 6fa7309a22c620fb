#include "report/metric_watch.hpp"

#include <cstdio>
#include <utility>

#include "sweep/error.hpp"

namespace sweep::report {

std::vector<Condition> parse_targets(const std::vector<std::string>& texts) {
  std::vector<Condition> out;
  for (const auto& text : texts) {
    // A comma would read as "all of these" (as in --where), but repeated
    // flags mean "any of them": one condition a flag keeps that plain.
    auto one = parse_conditions(text, "--stop-when");
    if (one.size() != 1)
      throw Error("--stop-when '" + text +
                  "': one condition a flag (repeat the flag: any of them "
                  "stops the sweep)");
    if (!one[0].number)
      throw Error("--stop-when '" + text + "': the value must be a number");
    out.push_back(std::move(one[0]));
  }
  return out;
}

MetricWatch::MetricWatch(WatchOptions o)
    : targets_(std::move(o.targets)),
      metric_(std::move(o.metric)),
      keep_last_(o.last_values),
      scanner_(o.metric_regex),
      records_(kFieldLine | kFieldData) {
  if (o.prune) pruner_.emplace(*o.prune);
}

void MetricWatch::on_line(const Job& job, Stream stream,
                          std::string_view line) {
  // Metrics are stdout's, as in the report.
  if (stream != Stream::kStdout) return;
  const Record* r = records_.line(job, stream, line);
  if (!r) return;
  std::optional<double> step = line_metrics(*r, scanner_, pairs_);
  check_targets(job);
  if (keep_last_)
    for (const auto& [name, value] : pairs_)
      if (name == metric_) last_[job.index] = value;
  // A value with no step is no intermediate value: never judged.
  if (!pruner_ || !step || pruned_.contains(job.index)) return;
  for (const auto& [name, value] : pairs_)
    if (name == metric_ && pruner_->report(job.index, *step, value)) {
      prunes_.push_back(Prune{job.index, *step});
      pruned_.insert(job.index);
      return;
    }
}

std::optional<double> MetricWatch::last_value(std::uint64_t job) const {
  auto it = last_.find(job);
  if (it == last_.end()) return std::nullopt;
  return it->second;
}

std::vector<JobController::Prune> MetricWatch::take_prunes() {
  return std::exchange(prunes_, {});
}

// The first target met decides.
void MetricWatch::check_targets(const Job& job) {
  if (!reason_.empty()) return;
  for (const auto& [name, value] : pairs_)
    for (const Condition& t : targets_) {
      if (t.name != name || !t.holds(Value(value))) continue;
      char buf[64];
      std::snprintf(buf, sizeof buf, "=%g", value);
      reason_ = std::string(name) + buf + " met --stop-when " + t.written +
                " (job " + std::to_string(job.index) + ")";
      return;
    }
}

}  // namespace sweep::report
