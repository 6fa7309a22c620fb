// Merging shard streams (merge_streams, JobOwners, shard_times) and the
// Slurm array expression. No Slurm is needed: these are pure functions of
// files and numbers.
#include "backend/backend.hpp"

#include <doctest/doctest.h>
#include <signal.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/record_writer.hpp"
#include "sweep/error.hpp"
#include "sweep/stats.hpp"
#include "test_files.hpp"

using namespace sweep;
using test::read_file;
using test::show;
using test::split_lines;
using Strings = std::vector<std::string>;

namespace {

std::string params_of(std::uint64_t job) {
  return "{\"x\":" + std::to_string(job) + "}";
}

// Records as the one writer writes them, without their newline.
std::string line_rec(std::uint64_t job, std::string_view line,
                     std::optional<unsigned> attempt = {}) {
  std::string p = params_of(job), out;
  append_record_head(out, RecordHead{job, p, {}, attempt});
  append_line_prefix(out, Stream::kStdout);
  append_line_body(out, line);
  out.pop_back();
  return out;
}

std::string end_rec(std::uint64_t job, const JobResult& r,
                    std::optional<unsigned> attempt = {}) {
  std::string p = params_of(job), out;
  append_end_record(out, RecordHead{job, p, {}, attempt}, r);
  out.pop_back();
  return out;
}

JobResult exited(int code, double seconds = 1) {
  JobResult r;
  r.exit_code = code;
  r.duration_s = seconds;
  return r;
}

JobResult signalled(int sig) {
  JobResult r;
  r.signal = sig;
  r.duration_s = 1;
  return r;
}

std::string joined(const Strings& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

struct Merged {
  MergeResult result;
  Strings lines;
};

Merged merge(const test::TempDir& dir, const std::vector<std::string>& files,
             const MergeOptions& options = {}) {
  std::string path = dir.file("merged.out");
  Merged m;
  {
    OutputStream out = OutputStream::open_file(path);
    m.result = merge_streams(files, out, options);
  }
  m.lines = split_lines(read_file(path));
  return m;
}

// Two shards' streams: job 1 was cancelled (SIGTERM from outside) in the
// first and succeeded when the second ran it again.
struct TwoShards {
  test::TempDir dir;
  Strings a, b;
  std::vector<std::string> files;
  TwoShards() {
    JobResult retry = exited(1);
    retry.will_retry = true;
    JobResult timeout = signalled(SIGTERM);
    timeout.timeout = true;
    JobResult stopped = signalled(SIGTERM);
    stopped.stopped = true;
    a = {
        line_rec(0, "a0"),        end_rec(0, exited(0)),
        line_rec(1, "cancelled"), end_rec(1, signalled(SIGTERM)),
        line_rec(2, "try 1", 1),  end_rec(2, retry, 1),
        line_rec(2, "try 2", 2),  end_rec(2, exited(0), 2),
        end_rec(3, timeout),
    };
    b = {
        line_rec(1, "done"),
        end_rec(1, exited(0)),
        end_rec(4, exited(3)),
        end_rec(5, stopped),
    };
    files = {dir.write("shard-0.jsonl", joined(a)),
             // A task killed mid-write left a torn last line.
             dir.write("shard-1.jsonl",
                       joined(b) + line_rec(6, "torn").substr(0, 25))};
  }
};

}  // namespace

TEST_CASE("merge keeps a job's best outcome once and counts the duplicate") {
  TwoShards s;
  Merged m = merge(s.dir, s.files);
  CHECK(m.result.duplicates == 1);
  // Job 1 from the second stream only; the torn line is not a record.
  Strings expected = {s.a[0], s.a[1], s.a[4], s.a[5], s.a[6], s.a[7],
                      s.a[8], s.b[0], s.b[1], s.b[2], s.b[3]};
  CHECK(show(m.lines) == show(expected));
  CHECK(m.result.records == expected.size());
  const StatsSummary& st = m.result.stats;
  CHECK(st.jobs == 6);
  CHECK(st.points == 6);
  CHECK(st.started == 6);
  CHECK(st.succeeded == 3);  // jobs 0, 1 (once), 2
  CHECK(st.failed == 2);     // jobs 3 (timed out) and 4
  CHECK(st.timed_out == 1);
  CHECK(st.stopped == 1);  // job 5
  CHECK(st.retries == 1);  // job 2's first attempt
  CHECK(st.not_run() == 0);

  // The other order of the streams: the success still wins.
  std::reverse(s.files.begin(), s.files.end());
  Merged r = merge(s.dir, s.files);
  CHECK(r.result.duplicates == 1);
  CHECK(r.result.stats.succeeded == 3);
  CHECK(r.result.stats.started == 6);
  int cancelled = 0, done = 0;
  for (const auto& l : r.lines) {
    cancelled += l.find("cancelled") != std::string::npos;
    done += l.find("\"done\"") != std::string::npos;
  }
  CHECK(cancelled == 0);
  CHECK(done == 1);
}

TEST_CASE("merge takes planned figures and a job finished twice alike once") {
  test::TempDir dir;
  Strings a = {line_rec(0, "first"), end_rec(0, exited(0))};
  Strings b = {line_rec(0, "second"), end_rec(0, exited(0)),
               end_rec(1, exited(0))};
  std::vector<std::string> files = {dir.write("a.jsonl", joined(a)),
                                    dir.write("b.jsonl", joined(b))};
  MergeOptions o;
  o.points = 4;
  o.jobs = 8;
  Merged m = merge(dir, files, o);
  CHECK(m.result.duplicates == 1);
  CHECK(show(m.lines) ==
        show({a[0], a[1], b[2]}));  // the earliest stream on ties
  CHECK(m.result.stats.points == 4);
  CHECK(m.result.stats.jobs == 8);
  CHECK(m.result.stats.succeeded == 2);
  CHECK(m.result.stats.not_run() == 6);
}

TEST_CASE("merge names the file and line of a line that is not a record") {
  test::TempDir dir;
  std::string good = dir.write("good.jsonl", joined({end_rec(0, exited(0))}));
  std::string bad = dir.write(
      "bad.jsonl",
      joined({line_rec(1, "x"), "this is not json", end_rec(1, exited(0))}));
  test::TempDir out_dir;
  OutputStream out = OutputStream::open_file(out_dir.file("out"));
  CHECK_THROWS_WITH_AS(
      merge_streams({good, bad}, out, {}),
      doctest::Contains((bad + ":2: not a sweep record").c_str()), Error);
  // A record-shaped line that is not sweep's is an error too.
  std::string foreign =
      dir.write("foreign.jsonl",
                joined({end_rec(0, exited(0)), R"({"job":"one","exit":0})"}));
  CHECK_THROWS_WITH_AS(merge_streams({foreign}, out, {}),
                       doctest::Contains((foreign + ":2:").c_str()), Error);
}

TEST_CASE("merged wall time is unknown without the shards' statistics") {
  TwoShards s;
  CHECK_FALSE(shard_times(s.files).has_value());
  Merged m = merge(s.dir, s.files);
  CHECK_FALSE(m.result.stats.wall_known);
  std::string report = format_report(m.result.stats);
  CAPTURE(report);
  CHECK(report.find("wall time     unknown") != std::string::npos);
  CHECK(report.find("throughput    unknown") != std::string::npos);
  std::string json = stats_json(m.result.stats);
  CAPTURE(json);
  CHECK(json.find("\"wall_s\":null") != std::string::npos);
  CHECK(json.find("\"jobs_per_s\":null") != std::string::npos);
  CHECK(json.find("\"utilisation\":null") != std::string::npos);
}

TEST_CASE("merged wall time comes from X.stats.json beside X.jsonl") {
  TwoShards s;
  s.dir.write("shard-0.stats.json", R"({"wall_s":2.5,"threads":4})");
  s.dir.write("shard-1.stats.json", R"({"wall_s":3.25,"threads":2})");
  std::optional<ShardTimes> t = shard_times(s.files);
  REQUIRE(t.has_value());
  CHECK(t->wall_s == 3.25);  // the longest shard
  CHECK(t->threads == 6);    // jobs at once over all shards
  MergeOptions o;
  o.wall_s = t->wall_s;
  o.threads = t->threads;
  Merged m = merge(s.dir, s.files, o);
  CHECK(m.result.stats.wall_known);
  CHECK(m.result.stats.wall_s == 3.25);
  CHECK(m.result.stats.threads == 6);
  std::string report = format_report(m.result.stats);
  CAPTURE(report);
  CHECK(report.find("wall time     3.250 s") != std::string::npos);
  CHECK(stats_json(m.result.stats).find("\"wall_s\":3.25") !=
        std::string::npos);

  // One shard with statistics and one without: what there is.
  s.dir.write("shard-1.stats.json", "not json");
  t = shard_times(s.files);
  REQUIRE(t.has_value());
  CHECK(t->wall_s == 2.5);
  CHECK(t->threads == 4);
  // Only files named .jsonl have statistics beside them.
  CHECK_FALSE(shard_times({s.dir.file("shard-0.txt")}).has_value());
}

TEST_CASE("JobOwners holds 200k jobs and grows as they come") {
  JobOwners owners;
  CHECK(owners.size() == 0);
  CHECK(owners.get(0) == 0);
  CHECK(owners.get(12345) == 0);
  const std::uint64_t n = 200000;
  auto job_of = [](std::uint64_t i) {
    return i * 7919 + (i & 1) * (1ull << 40);
  };
  auto val_of = [](std::uint64_t i) {
    return static_cast<std::uint32_t>(i % 1000003 + 1);
  };
  for (std::uint64_t i = 0; i < n; ++i) owners.set(job_of(i), val_of(i));
  CHECK(owners.size() == n);
  bool all = true;
  for (std::uint64_t i = 0; i < n; ++i)
    all = all && owners.get(job_of(i)) == val_of(i);
  CHECK(all);
  CHECK(owners.get(1) == 0);
  CHECK(owners.get(UINT64_MAX) == 0);
  // Setting again replaces the value, not the count.
  for (std::uint64_t i = 0; i < n; i += 2) owners.set(job_of(i), 7);
  CHECK(owners.size() == n);
  CHECK(owners.get(job_of(0)) == 7);
  CHECK(owners.get(job_of(1)) == val_of(1));

  // reserve() keeps what is there.
  JobOwners r;
  r.set(0, 1);
  r.set(UINT64_MAX, 2);
  r.reserve(100000);
  CHECK(r.get(0) == 1);
  CHECK(r.get(UINT64_MAX) == 2);
  CHECK(r.size() == 2);
  for (std::uint64_t j = 1; j <= 100000; ++j) r.set(j, 3);
  CHECK(r.size() == 100002);
  CHECK(r.get(0) == 1);
  CHECK(r.get(50000) == 3);
}

TEST_CASE("slurm_array_spec: ranges, singles and a throttle") {
  CHECK(slurm_array_spec({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0) == "0-9");
  CHECK(slurm_array_spec({1, 4, 7}, 0) == "1,4,7");
  CHECK(slurm_array_spec({0, 1, 2, 5, 7, 8, 10}, 0) == "0-2,5,7-8,10");
  CHECK(slurm_array_spec({3}, 0) == "3");
  CHECK(slurm_array_spec({3, 4}, 0) == "3-4");
  CHECK(slurm_array_spec({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 3) == "0-9%3");
  CHECK(slurm_array_spec({1, 4, 5, 6}, 2) == "1,4-6%2");
  CHECK(slurm_array_spec({}, 0) == "");
}
