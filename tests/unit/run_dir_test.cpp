// The run directory's layout (RunDirLayout), job directories (JobDirs), the
// shard lock and --collect's file reading.
#include "output/run_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "core/record_writer.hpp"
#include "output/collect.hpp"
#include "sweep/error.hpp"
#include "sweep/record.hpp"
#include "test_files.hpp"

using namespace sweep;
using test::read_file;
namespace fs = std::filesystem;

TEST_CASE("RunDirLayout names each shard's files as the Slurm script does") {
  RunDirLayout l("/r");
  CHECK(l.definition() == "/r/sweep.json");
  CHECK(l.journal(3) == "/r/shard-3.journal");
  CHECK(l.stream("$I", "$SLURM_ARRAY_JOB_ID") ==
        "/r/shard-$I-$SLURM_ARRAY_JOB_ID.jsonl");
  CHECK(l.stats("0", "local-0002") == "/r/shard-0-local-0002.stats.json");
  CHECK(l.live(1) == "/r/shard-1.live.json");
  CHECK(l.lock(1) == "/r/shard-1.lock");
  CHECK(l.jobs() == "/r/jobs");
}

TEST_CASE("RunDirLayout lists streams by shard, then in invocation order") {
  test::TempDir tmp;
  for (const char* name :
       {"shard-1-9.jsonl", "shard-0-10.jsonl", "shard-0-9.jsonl",
        "shard-0-local-0002.jsonl", "shard-0-local-0001.jsonl",
        "shard-0.journal", "shard-0-9.stats.json", "other.jsonl",
        "shard-x-1.jsonl"})
    tmp.write(name, "");
  RunDirLayout l(tmp.file(""));
  std::vector<std::string> names;
  for (const auto& p : l.streams())
    names.push_back(fs::path(p).filename().string());
  CHECK(names == std::vector<std::string>{"shard-0-9.jsonl", "shard-0-10.jsonl",
                                          "shard-0-local-0001.jsonl",
                                          "shard-0-local-0002.jsonl",
                                          "shard-1-9.jsonl"});
}

TEST_CASE("RunDirLayout numbers local invocations after those recorded") {
  test::TempDir tmp;
  RunDirLayout l(tmp.file("."));
  CHECK(l.next_local_id() == "local-0001");
  l.record_submission("local-0001", "local", "\"pid\":1");
  l.record_submission("17", "slurm", "");
  CHECK(l.next_local_id() == "local-0002");
  auto last = l.last_submission();
  REQUIRE(last);
  CHECK(last->find("\"id\":\"17\",\"backend\":\"slurm\"") != std::string::npos);
}

TEST_CASE("JobDirs names a job's directory by its key, inside DIR/jobs") {
  test::TempDir tmp;
  JobDirs dirs(tmp.file("run/jobs"));
  JobKey key{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  CHECK(dirs.path(key) ==
        fs::absolute(tmp.file("run/jobs/0123456789abcdeffedcba9876543210")));
  dirs.create(key);
  dirs.create(key);  // a retry reuses it
  CHECK(fs::is_directory(dirs.path(key)));
}

TEST_CASE("JobDirs refuses links at jobs and at a job's directory") {
  test::TempDir tmp;
  fs::create_directories(tmp.file("elsewhere"));
  fs::create_directories(tmp.file("a"));
  fs::create_directory_symlink(tmp.file("elsewhere"), tmp.file("a/jobs"));
  CHECK_THROWS_AS(JobDirs(tmp.file("a/jobs")), Error);
  JobDirs dirs(tmp.file("b/jobs"));
  JobKey key{1, 2};
  fs::create_directory_symlink(tmp.file("elsewhere"), dirs.path(key));
  CHECK_THROWS_WITH_AS(dirs.create(key),
                       doctest::Contains("is not a directory"), Error);
  CHECK(fs::is_empty(tmp.file("elsewhere")));
}

TEST_CASE("RunLock lets one sweep run a shard and shows that it runs") {
  test::TempDir tmp;
  std::string path = tmp.file("shard-0.lock");
  CHECK_FALSE(RunLock::held(path));
  {
    RunLock lock(path);
    CHECK(RunLock::held(path));
    CHECK_THROWS_WITH_AS(RunLock{path}, doctest::Contains("another sweep"),
                         Error);
  }
  CHECK_FALSE(RunLock::held(path));
}

TEST_CASE("parse_collected reads a JSON object, JSON Lines and key=value") {
  CHECK(parse_collected("{\"acc\": 0.9,\n \"n\": [1, 2]}\n").objects ==
        std::vector<std::string>{"{\"acc\":0.9,\"n\":[1,2]}"});
  CHECK(parse_collected("{\"step\":1}\n\n{\"step\":2}\n").objects ==
        std::vector<std::string>{"{\"step\":1}", "{\"step\":2}"});
  CHECK(parse_collected("# eval\nacc = 0.91\nloss: 1e-3\nname=run 7\n"
                        "ok: true\nid=007\n")
            .objects ==
        std::vector<std::string>{"{\"acc\":0.91,\"loss\":0.001,\"name\":\"run "
                                 "7\",\"ok\":true,\"id\":\"007\"}"});
  CHECK(parse_collected("no values here\n").objects.empty());
  CHECK(parse_collected("").objects.empty());
}

TEST_CASE("--collect patterns stay inside the job's directory") {
  check_collect_pattern("metrics.json");
  check_collect_pattern("out/*.jsonl");
  check_collect_pattern("a..b");
  CHECK_THROWS_AS(check_collect_pattern("/etc/passwd"), Error);
  CHECK_THROWS_AS(check_collect_pattern("../x"), Error);
  CHECK_THROWS_AS(check_collect_pattern("a/../../x"), Error);
  CHECK_THROWS_AS(check_collect_pattern("a/.."), Error);
}

TEST_CASE("a file record is written by the writer and read by the reader") {
  std::string out;
  append_file_record(out, RecordHead{4, "{\"x\":1}", std::nullopt, 2u, ""},
                     "m\"etrics.json", "{\"acc\":0.5}");
  CHECK(out ==
        "{\"job\":4,\"params\":{\"x\":1},\"attempt\":2,\"file\":"
        "\"m\\\"etrics.json\",\"data\":{\"acc\":0.5}}\n");
  RecordReader reader;
  Record r;
  // The record's views may point into the line: it outlives them.
  const std::string line = out.substr(0, out.size() - 1);
  REQUIRE(reader.parse(line, r));
  CHECK(r.kind == RecordKind::kLine);
  CHECK(r.file == "m\"etrics.json");
  CHECK(r.data_json == "{\"acc\":0.5}");
  CHECK(r.line.empty());
  JobResult res;
  res.collect_missing = {"a.json"};
  res.collect_refused = {"big.json"};
  std::string end;
  append_end_record(end, RecordHead{4, "{}", {}, {}, ""}, res);
  const std::string end_line = end.substr(0, end.size() - 1);
  REQUIRE(reader.parse(end_line, r));
  CHECK(r.kind == RecordKind::kEnd);
  CHECK(r.result.collect_missing == std::vector<std::string>{"a.json"});
  CHECK(r.result.collect_refused == std::vector<std::string>{"big.json"});
}
