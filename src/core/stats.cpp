#include "sweep/stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sweep {

void Stats::finished(const JobResult& result) {
  double d = result.duration_s;
  min_s_ = durations_.empty() ? d : std::min(min_s_, d);
  max_s_ = std::max(max_s_, d);
  total_job_s_ += d;
  durations_.push_back(static_cast<float>(d));
  cpu_user_s_ += result.cpu_user_s;
  cpu_sys_s_ += result.cpu_sys_s;
  max_rss_kb_ = std::max(max_rss_kb_, result.max_rss_kb);
  if (!result.final()) {
    ++retries_;
  } else if (result.ok()) {
    ++succeeded_;
  } else if (result.stopped) {
    ++stopped_;
  } else if (result.pruned) {
    ++pruned_;
  } else {
    ++failed_;
    if (result.timeout) ++timed_out_;
  }
}

namespace {

// numpy's default quantile of any random-access container, reordering it.
template <class Values>
double quantile_of(Values& values, double q) {
  if (values.empty()) return 0;
  double pos = q * static_cast<double>(values.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  std::nth_element(values.begin(), values.begin() + lo, values.end());
  double a = values[lo];
  // On a value exactly (also where the next one is infinite: inf * 0).
  if (lo + 1 >= values.size() || pos == static_cast<double>(lo)) return a;
  double b = *std::min_element(values.begin() + lo + 1, values.end());
  return a + (b - a) * (pos - static_cast<double>(lo));
}

}  // namespace

double quantile(std::vector<double> values, double q) {
  return quantile_of(values, q);
}

double quantile_in_place(std::vector<double>& values, double q) {
  return quantile_of(values, q);
}

StatsSummary Stats::summary(double wall_s, int interrupted_by,
                            bool halted) const {
  StatsSummary s;
  s.points = points_;
  s.jobs = jobs_;
  s.skipped = skipped_;
  s.timed_out = timed_out_;
  s.stopped = stopped_;
  s.pruned = pruned_;
  s.retries = retries_;
  s.cpu_user_s = cpu_user_s_;
  s.cpu_sys_s = cpu_sys_s_;
  s.max_rss_kb = max_rss_kb_;
  s.halted = halted;
  s.started = started_;
  s.succeeded = succeeded_;
  s.failed = failed_;
  s.wall_s = wall_s;
  s.threads = threads_;
  s.interrupted_by = interrupted_by;
  if (!durations_.empty()) {
    s.min_s = min_s_;
    s.max_s = max_s_;
    // In place: a copy per quantile would double a large merge's memory.
    s.median_s = quantile_of(durations_, 0.5);
    s.p95_s = quantile_of(durations_, 0.95);
    s.total_job_s = total_job_s_;
    s.mean_s = s.total_job_s / static_cast<double>(durations_.size());
  }
  if (wall_s > 0) {
    s.jobs_per_s = static_cast<double>(durations_.size()) / wall_s;
    s.utilisation = s.total_job_s / (wall_s * static_cast<double>(threads_));
  }
  return s;
}

std::string format_duration(double seconds) {
  char buf[64];
  if (seconds < 1e-3)
    std::snprintf(buf, sizeof buf, "%.0f us", seconds * 1e6);
  else if (seconds < 1)
    std::snprintf(buf, sizeof buf, "%.2f ms", seconds * 1e3);
  else if (seconds < 60)
    std::snprintf(buf, sizeof buf, "%.3f s", seconds);
  else if (seconds < 3600)
    std::snprintf(buf, sizeof buf, "%dm %04.1fs",
                  static_cast<int>(seconds / 60), std::fmod(seconds, 60));
  else
    std::snprintf(buf, sizeof buf, "%dh %02dm %02ds",
                  static_cast<int>(seconds / 3600),
                  static_cast<int>(std::fmod(seconds, 3600) / 60),
                  static_cast<int>(std::fmod(seconds, 60)));
  return buf;
}

std::string format_report(const StatsSummary& s) {
  std::string out = "STATISTICS\n";
  char buf[256];
  auto u = [](std::uint64_t n) { return static_cast<unsigned long long>(n); };
  std::snprintf(buf, sizeof buf, "  points        %llu\n", u(s.points));
  out += buf;
  std::snprintf(buf, sizeof buf,
                "  jobs          %llu (%llu succeeded, %llu failed", u(s.jobs),
                u(s.succeeded), u(s.failed));
  out += buf;
  if (s.timed_out)
    out += ", " + std::to_string(s.timed_out) + " of them timed out";
  if (s.stopped) out += ", " + std::to_string(s.stopped) + " stopped";
  out += ", " + std::to_string(s.not_run()) + " not run";
  if (s.skipped) out += ", " + std::to_string(s.skipped) + " already done";
  out += ")\n";
  if (s.pruned)
    out += "  pruned        " + std::to_string(s.pruned) +
           " jobs stopped early by --prune (neither succeeded nor failed)\n";
  if (s.retries)
    out += "  retries       " + std::to_string(s.retries) +
           " attempts run again\n";
  if (s.halted)
    out += "  halted        at --max-failures: no new jobs were started\n";
  if (!s.target.empty())
    out += "  target        " + s.target + ": no new jobs were started\n";
  if (s.interrupted_by) {
    out += "  interrupted   by ";
    out += signal_name(s.interrupted_by);
    out += ": running jobs were stopped\n";
  }
  out += "  wall time     ";
  out += s.wall_known ? format_duration(s.wall_s) : "unknown";
  out += "\n";
  if (s.succeeded + s.failed + s.stopped + s.pruned + s.retries > 0) {
    out += "  job duration  min ";
    out += format_duration(s.min_s);
    out += ", median ";
    out += format_duration(s.median_s);
    out += ", p95 ";
    out += format_duration(s.p95_s);
    out += ", max ";
    out += format_duration(s.max_s);
    out += "\n";
    // In-process evaluations have no per-job resources to show.
    if (s.max_rss_kb > 0 || s.cpu_user_s + s.cpu_sys_s > 0) {
      std::snprintf(buf, sizeof buf,
                    "  resources     %.2f s user + %.2f s system CPU, peak RSS "
                    "%.1f MiB\n",
                    s.cpu_user_s, s.cpu_sys_s,
                    static_cast<double>(s.max_rss_kb) / 1024);
      out += buf;
    }
  }
  if (!s.wall_known) {
    out += "  throughput    unknown (the streams came without a wall time)\n";
    return out;
  }
  std::snprintf(
      buf, sizeof buf,
      "  throughput    %.1f jobs/s on %zu threads, utilisation %.1f%%\n",
      s.jobs_per_s, s.threads, s.utilisation * 100);
  out += buf;
  return out;
}

std::string stats_json(const StatsSummary& s) {
  nlohmann::ordered_json j;
  j["points"] = s.points;
  j["jobs"] = s.jobs;
  j["succeeded"] = s.succeeded;
  j["failed"] = s.failed;
  j["timed_out"] = s.timed_out;
  j["stopped"] = s.stopped;
  j["pruned"] = s.pruned;
  j["not_run"] = s.not_run();
  j["skipped"] = s.skipped;
  j["retries"] = s.retries;
  // Unknown figures are null, never a misleading 0.
  auto known = [&](double v) {
    return s.wall_known ? nlohmann::json(v) : nullptr;
  };
  j["wall_s"] = known(s.wall_s);
  j["job_duration_s"] = {{"min", s.min_s},   {"median", s.median_s},
                         {"p95", s.p95_s},   {"max", s.max_s},
                         {"mean", s.mean_s}, {"total", s.total_job_s}};
  j["jobs_per_s"] = known(s.jobs_per_s);
  j["threads"] = s.threads;
  j["utilisation"] = known(s.utilisation);
  j["cpu_user_s"] = s.cpu_user_s;
  j["cpu_sys_s"] = s.cpu_sys_s;
  j["max_rss_kb"] = s.max_rss_kb;
  j["halted"] = s.halted;
  j["interrupted"] = s.interrupted_by != 0;
  if (!s.target.empty()) j["target"] = s.target;
  if (s.interrupted_by) j["signal"] = signal_name(s.interrupted_by);
  return j.dump() + "\n";
}

}  // namespace sweep
