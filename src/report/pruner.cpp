#include "report/pruner.hpp"

#include <cmath>

#include "sweep/error.hpp"
#include "sweep/stats.hpp"

namespace sweep::report {

double PruneRule::parse_percentile(std::string_view text) {
  if (text == "median") return 50;
  constexpr std::string_view kPrefix = "percentile:";
  if (text.substr(0, kPrefix.size()) == kPrefix) {
    auto p = parse_number(text.substr(kPrefix.size()));
    if (p && *p > 0 && *p < 100) return *p;
  }
  throw Error("--prune '" + std::string(text) +
              "': write median or percentile:P with 0 < P < 100");
}

bool Pruner::report(std::uint64_t job, double step, double value) {
  if (!std::isfinite(step)) return false;
  at_step_[step][job] = value;
  if (!std::isnan(value)) {
    auto [it, fresh] = best_.try_emplace(job, value);
    bool better =
        rule_.goal == Goal::kMin ? value < it->second : value > it->second;
    if (!fresh && better) it->second = value;
  }
  if (step < rule_.warmup) return false;
  double limit = threshold(job, step);
  if (std::isnan(limit)) return false;  // too few others, or no order
  auto best = best_.find(job);
  if (best == best_.end()) return true;  // only NaN so far
  return rule_.goal == Goal::kMin ? best->second > limit : best->second < limit;
}

// The other jobs' percentile at step (NaN if fewer than min_jobs have a
// number there): the value the top P% reach, as Optuna computes it (numpy's
// linear interpolation).
double Pruner::threshold(std::uint64_t job, double step) const {
  std::vector<double> others;
  for (const auto& [other, v] : at_step_.at(step))
    if (other != job && !std::isnan(v)) others.push_back(v);
  if (others.size() < rule_.min_jobs) return NAN;
  double p =
      rule_.goal == Goal::kMin ? rule_.percentile : 100 - rule_.percentile;
  return quantile_in_place(others, p / 100);
}

}  // namespace sweep::report
