#include "sweep/stats.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace sweep;

TEST_CASE("quantiles interpolate like numpy") {
  CHECK(quantile({}, 0.5) == 0);
  CHECK(quantile({3}, 0.95) == 3);
  CHECK(quantile({4, 1, 3, 2}, 0.5) == doctest::Approx(2.5));
  CHECK(quantile({1, 2, 3, 4, 5}, 0.5) == 3);
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  CHECK(quantile(v, 0.95) == doctest::Approx(95.05));
  CHECK(quantile(v, 1.0) == 100);
}

TEST_CASE("stats count outcomes and compute utilisation") {
  Stats s(5, 5, 2);
  JobResult ok, bad, sig;
  ok.duration_s = 1;
  bad.exit_code = 3;
  bad.duration_s = 2;
  sig.signal = 9;
  sig.duration_s = 3;
  for (int i = 0; i < 4; ++i) s.started();
  s.finished(ok);
  s.finished(bad);
  s.finished(sig);
  s.finished(ok);
  StatsSummary sum = s.summary(4.0);
  CHECK(sum.points == 5);
  CHECK(sum.jobs == 5);
  CHECK(sum.succeeded == 2);
  CHECK(sum.failed == 2);
  CHECK(sum.not_run() == 1);
  CHECK(sum.min_s == 1);
  CHECK(sum.max_s == 3);
  CHECK(sum.median_s == doctest::Approx(1.5));
  CHECK(sum.total_job_s == 7);
  CHECK(sum.jobs_per_s == 1);
  CHECK(sum.utilisation == doctest::Approx(7.0 / 8.0));
}

TEST_CASE("the report and its JSON form carry the same figures") {
  StatsSummary s;
  s.points = 3045;
  s.jobs = 6090;
  s.started = 6090;
  s.succeeded = 6089;
  s.failed = 1;
  s.wall_s = 12.5;
  s.threads = 4;
  s.min_s = 0.0012;
  s.median_s = 0.002;
  s.p95_s = 0.0031;
  s.max_s = 0.01;
  s.jobs_per_s = 487.2;
  s.utilisation = 0.971;
  std::string r = format_report(s);
  CHECK(r.find("STATISTICS\n") == 0);
  CHECK(r.find("points        3045\n") != std::string::npos);
  CHECK(r.find("jobs          6090 (6089 succeeded, 1 failed, 0 not run)") !=
        std::string::npos);
  CHECK(r.find("wall time     12.500 s") != std::string::npos);
  CHECK(r.find("min 1.20 ms, median 2.00 ms, p95 3.10 ms, max 10.00 ms") !=
        std::string::npos);
  CHECK(r.find("487.2 jobs/s on 4 threads, utilisation 97.1%") !=
        std::string::npos);
  auto j = nlohmann::json::parse(stats_json(s));
  CHECK(j["points"] == 3045);
  CHECK(j["jobs"] == 6090);
  CHECK(j["failed"] == 1);
  CHECK(j["threads"] == 4);
  CHECK(j["job_duration_s"]["p95"].get<double>() == doctest::Approx(0.0031));
  CHECK(j["interrupted"] == false);
}

TEST_CASE("a --stop-when target reached is said in both forms") {
  StatsSummary s;
  s.jobs = 10;
  s.started = 4;
  s.succeeded = 4;
  CHECK(format_report(s).find("target") == std::string::npos);
  CHECK_FALSE(nlohmann::json::parse(stats_json(s)).contains("target"));
  s.target = "acc=0.995 met --stop-when acc>=0.99 (job 3)";
  CHECK(format_report(s).find("  target        acc=0.995 met --stop-when "
                              "acc>=0.99 (job 3): no new jobs were "
                              "started\n") != std::string::npos);
  CHECK(nlohmann::json::parse(stats_json(s))["target"] == s.target);
}

TEST_CASE("durations are formatted for people") {
  CHECK(format_duration(0.00085) == "850 us");
  CHECK(format_duration(0.0123) == "12.30 ms");
  CHECK(format_duration(4.21) == "4.210 s");
  CHECK(format_duration(125) == "2m 05.0s");
  CHECK(format_duration(3725) == "1h 02m 05s");
}
