// What each slot owns (SlotResources), reading the machine (ProcProbe,
// sizes), the records and scripts that carry them.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "command/command_template.hpp"
#include "core/record_writer.hpp"
#include "exec/machine_probe.hpp"
#include "exec/slot_resources.hpp"
#include "output/status_line.hpp"
#include "sweep/error.hpp"
#include "sweep/grid_parse.hpp"
#include "test_files.hpp"

using namespace sweep;

namespace {

Job in_slot(std::size_t slot) {
  Job j;
  j.slot = slot;
  return j;
}

bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

}  // namespace

TEST_CASE("slot i owns the i-th K devices, never another slot's") {
  SlotResources r;
  r.set_gpus({"0", "1", "2", "3", "GPU-x"}, 2);
  CHECK(r.max_slots() == 2);  // the fifth device is left over
  Job a = in_slot(0), b = in_slot(1);
  r.assign(a);
  r.assign(b);
  CHECK(a.gpus == std::vector<std::string>{"0", "1"});
  CHECK(b.gpus == std::vector<std::string>{"2", "3"});
  CHECK(has(a.env, "CUDA_VISIBLE_DEVICES=0,1"));
  CHECK(has(b.env, "CUDA_VISIBLE_DEVICES=2,3"));
  CHECK(has(b.env, "SWEEP_GPUS=2,3"));
  CHECK_NOTHROW(r.check_slots(2));
  CHECK_THROWS_WITH_AS(
      r.check_slots(3),
      "-j 3: needs 6 devices with --gpus-per-job 2, --gpus has 5", Error);
}

TEST_CASE("--slot-env and --cpus-per-job give slot i its own share") {
  SlotResources r;
  r.add_env({"PORT", {"8000", "8001", "8002"}});
  r.set_cpus({0, 1, 2, 3, 4, 5, 6, 7}, 4);
  CHECK(r.max_slots() == 2);  // the cores allow 2, the ports 3
  Job a = in_slot(1);
  r.assign(a);
  CHECK(a.cpus == std::vector<int>{4, 5, 6, 7});
  CHECK(has(a.env, "PORT=8001"));
  CHECK(a.gpus.empty());
  CHECK_THROWS_WITH_AS(
      r.check_slots(3),
      "-j 3: needs 12 cores with --cpus-per-job 4, sweep may use 8", Error);
  SlotResources ports;
  ports.add_env({"PORT", {"8000"}});
  CHECK_THROWS_WITH_AS(ports.check_slots(2),
                       "-j 2: --slot-env PORT has only 1 values, one per slot",
                       Error);
  CHECK_FALSE(SlotResources().max_slots().has_value());
  CHECK(SlotResources().empty());
}

TEST_CASE("<@gpus> renders the job's devices") {
  Grid grid = parse_grid_json(R"({"x": [1]})", "g");
  CommandTemplate t({"train", "--devices=<@gpus>", "<x>"}, grid);
  CHECK(t.uses_gpus());
  CHECK_FALSE(t.uses_dir());
  JobContext ctx;
  ctx.gpus = "2,3";
  CHECK(t.render(grid.point(0), ctx) ==
        std::vector<std::string>{"train", "--devices=2,3", "1"});
  CHECK_FALSE(CommandTemplate({"train", "<@slot>"}, grid).uses_gpus());
}

TEST_CASE("ProcProbe reads MemAvailable and the 1-minute load average") {
  test::TempDir dir;
  std::string meminfo = dir.write("meminfo",
                                  "MemTotal:       16000000 kB\n"
                                  "MemFree:          100000 kB\n"
                                  "MemAvailable:    2048000 kB\n");
  std::string loadavg = dir.write("loadavg", "3.25 2.00 1.50 2/300 12345\n");
  ProcProbe probe(meminfo, loadavg);
  CHECK(probe.mem_available() == 2048000ull * 1024);
  CHECK(probe.load_1min() == doctest::Approx(3.25));
  ProcProbe missing(dir.file("none"), dir.file("none"));
  CHECK_FALSE(missing.mem_available().has_value());
  CHECK_FALSE(missing.load_1min().has_value());
  ProcProbe old_kernel(dir.write("old", "MemTotal: 1 kB\n"), loadavg);
  CHECK_FALSE(old_kernel.mem_available().has_value());
  // This machine's own files read too.
  CHECK(ProcProbe().mem_available().value_or(0) > 0);
  CHECK(ProcProbe().load_1min().has_value());
}

TEST_CASE("sizes: bytes or k, M, G, T in powers of 1024") {
  CHECK(parse_size("4G", "--memfree") == 4ull << 30);
  CHECK(parse_size("512m", "--memfree") == 512ull << 20);
  CHECK(parse_size("1.5GB", "--memfree") == 3ull << 29);
  CHECK(parse_size("100", "--memfree") == 100);
  CHECK_THROWS_WITH_AS(
      parse_size("4X", "--memfree"),
      "--memfree 4X: not a size (bytes, or with k, M, G, T: 512M, 4G)", Error);
  CHECK_THROWS_AS(parse_size("", "--memfree"), Error);
  CHECK_THROWS_AS(parse_size("-1G", "--memfree"), Error);
  CHECK(format_size(3ull << 29) == "1.5 GiB");
  CHECK(format_size(700) == "700 B");
}

TEST_CASE("the progress line says what holds jobs back") {
  ProgressCounts c;
  c.total = 10;
  c.held = "memory 1.0 GiB < --memfree 2.0 GiB";
  CHECK(format_progress(c) ==
        "[0/10] running 0, failed 0, 0s elapsed, waiting: memory 1.0 GiB < "
        "--memfree 2.0 GiB");
}

TEST_CASE("end and journal records carry the devices and a stop for memory") {
  JobResult r;
  r.signal = 15;
  r.will_retry = true;
  r.memory_stopped = true;
  r.gpus = {"0", "GPU-abc"};
  RecordHead head{.job = 3, .params_json = "{}"};
  std::string end, journal;
  append_end_record(end, head, r);
  append_journal_record(journal, JobKey{1, 2}, head, r, "t");
  CHECK(end.find(",\"retrying\":true,\"memory_stopped\":true") !=
        std::string::npos);
  CHECK(end.find("\"gpus\":[\"0\",\"GPU-abc\"]") != std::string::npos);
  for (const std::string& text : {end, journal}) {
    RecordReader reader;
    Record rec;
    const std::string line = text.substr(0, text.size() - 1);
    REQUIRE(reader.parse(line, rec));
    CHECK(rec.result.memory_stopped);
    CHECK(rec.result.gpus == r.gpus);
    CHECK_FALSE(rec.result.final());
  }
}

TEST_CASE("a Slurm task asks for its jobs' GPUs and cores and runs K each") {
  test::TempDir dir;
  SlurmRun run;
  run.run_dir = dir.file("run");
  run.cwd = dir.file("");
  run.task_argv = {"sweep", "run", "--gpus", "auto", "--gpus-per-job", "2"};
  run.command = {"train"};
  run.shards = 2;
  run.task_jobs = 3;
  run.task_gpus = 6;
  run.task_cpus = 12;
  write_slurm_run_dir(run);
  std::string script = test::read_file(dir.file("run/job.sh"));
  CHECK(script.find("#SBATCH --gres=gpu:6\n") != std::string::npos);
  CHECK(script.find("#SBATCH --cpus-per-task=12\n") != std::string::npos);
  CHECK(script.find("--gpus auto --gpus-per-job 2") != std::string::npos);
  CHECK(script.find(" -j 3 ") != std::string::npos);
  // Without resources a task runs as many jobs as it has CPUs.
  run.task_jobs = run.task_gpus = run.task_cpus = 0;
  write_slurm_run_dir(run);
  script = test::read_file(dir.file("run/job.sh"));
  CHECK(script.find("--gres") == std::string::npos);
  CHECK(script.find("-j \"${SLURM_CPUS_PER_TASK:-1}\"") != std::string::npos);
}
