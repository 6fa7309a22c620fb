// The journal: what JournalWriter records, what JournalIndex reads back, and
// the KeySet it keeps keys in.
#include "output/journal.hpp"

#include <doctest/doctest.h>
#include <signal.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/job_key.hpp"
#include "sweep/record.hpp"
#include "test_files.hpp"

using namespace sweep;
using test::read_file;
using test::split_lines;
using Strings = std::vector<std::string>;

namespace {

// A job of a run with the one parameter x (a retrying run: attempts count).
Job job_x(std::int64_t x, std::uint64_t rep = 0, unsigned attempt = 1) {
  Value v = x;
  Job j;
  j.index = static_cast<std::uint64_t>(x);
  j.rep = rep;
  j.attempt = attempt;
  j.retrying = true;
  j.argv = {"prog"};
  j.params_json = "{\"x\":" + std::to_string(x) + "}";
  j.key = job_key({{"x", &v}}, rep);
  return j;
}

JobKey key_x(std::int64_t x, std::uint64_t rep = 0) {
  return job_x(x, rep).key;
}

JobResult exit_code(int code) {
  JobResult r;
  r.exit_code = code;
  r.duration_s = 0.5;
  return r;
}

JobResult signalled(int sig) {
  JobResult r;
  r.signal = sig;
  r.exit_code = 128 + sig;
  return r;
}

struct Warnings {
  Strings list;
  std::function<void(const std::string&)> fn() {
    return [this](const std::string& w) { list.push_back(w); };
  }
};

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the journal records finished jobs and reads back their outcome") {
  test::TempDir dir;
  std::string path = dir.file("journal.jsonl");
  {
    JournalWriter w(path);
    w.on_finish(job_x(1), exit_code(0));
    w.on_finish(job_x(2), exit_code(1));
    w.on_finish(job_x(3, 1), exit_code(0));  // rep 1
    w.on_finish(job_x(4), signalled(SIGKILL));
    w.flush();
  }
  Strings lines = split_lines(read_file(path));
  REQUIRE(lines.size() == 4);
  RecordReader reader;
  Record r;
  REQUIRE_MESSAGE(reader.parse(lines[2], r), reader.why());
  CHECK(r.kind == RecordKind::kJournal);
  CHECK(r.key == key_x(3, 1));
  CHECK(r.ok);
  CHECK(r.job == 3);
  CHECK(r.rep == 1);
  CHECK(r.params_json == R"({"x":3})");
  CHECK_FALSE(r.time.empty());

  Warnings warnings;
  JournalIndex idx = JournalIndex::load(path, warnings.fn());
  CHECK(warnings.list.empty());
  CHECK(idx.records() == 4);
  CHECK(idx.succeeded(key_x(1)));
  CHECK_FALSE(idx.failed(key_x(1)));
  CHECK(idx.failed(key_x(2)));
  CHECK_FALSE(idx.succeeded(key_x(2)));
  CHECK(idx.succeeded(key_x(3, 1)));
  CHECK_FALSE(idx.succeeded(key_x(3, 0)));  // another repeat
  CHECK_FALSE(idx.failed(key_x(3, 0)));
  CHECK(idx.failed(key_x(4)));
  CHECK_FALSE(idx.succeeded(key_x(5)));
  CHECK_FALSE(idx.failed(key_x(5)));
}

TEST_CASE("a pruned job is journaled and known as pruned, not failed") {
  test::TempDir dir;
  std::string path = dir.file("journal.jsonl");
  JobResult pruned = signalled(SIGTERM);
  pruned.pruned = true;
  pruned.pruned_step = 3;
  {
    JournalWriter w(path);
    w.on_finish(job_x(1), pruned);
    w.on_finish(job_x(2), signalled(SIGKILL));
    w.flush();
  }
  std::string text = read_file(path);
  CHECK(contains(text, "\"pruned\":true,\"pruned_step\":3"));
  Warnings warnings;
  JournalIndex idx = JournalIndex::load(path, warnings.fn());
  CHECK(warnings.list.empty());
  CHECK(idx.records() == 2);
  CHECK(idx.pruned(key_x(1)));
  CHECK_FALSE(idx.failed(key_x(1)));
  CHECK_FALSE(idx.pruned(key_x(2)));
  CHECK(idx.failed(key_x(2)));
  // --resume skips both; --resume-pruned reruns 1; --resume-failed, 2.
  CHECK(idx.skips(key_x(1), false, false));
  CHECK_FALSE(idx.skips(key_x(1), false, true));
  CHECK(idx.skips(key_x(1), true, false));
  CHECK_FALSE(idx.skips(key_x(2), true, false));
  CHECK(idx.skips(key_x(2), false, true));
}

TEST_CASE("a halving trial's value is its last successful run's") {
  test::TempDir dir;
  std::string path = dir.file("journal.jsonl");
  auto trial = [](int code, std::optional<double> value) {
    JobResult r = exit_code(code);
    r.rung = 1;
    r.rung_value = value;
    return r;
  };
  {
    JournalWriter w(path);
    w.on_finish(job_x(1), trial(0, 0.75));
    // Printed 0.99, then failed; rerun (--resume-failed), printed nothing.
    w.on_finish(job_x(2), trial(1, 0.99));
    w.on_finish(job_x(2), trial(0, std::nullopt));
    w.on_finish(job_x(3), trial(1, 0.5));
    w.flush();
  }
  CHECK(contains(read_file(path), "\"rung\":1,\"rung_value\":0.75"));
  Warnings warnings;
  JournalIndex idx = JournalIndex::load(path, warnings.fn());
  CHECK(idx.rung_value(key_x(1)) == 0.75);
  CHECK_FALSE(idx.rung_value(key_x(2)));  // not the failed run's 0.99
  CHECK_FALSE(idx.rung_value(key_x(3)));  // failed: no value ranks it
}

TEST_CASE("the journal leaves out jobs without a verdict") {
  test::TempDir dir;
  std::string path = dir.file("journal.jsonl");
  {
    JournalWriter w(path);
    JobResult stopped = signalled(SIGTERM);
    stopped.stopped = true;
    w.on_finish(job_x(1), stopped);  // stopped by sweep
    JobResult stopped_ok = exit_code(0);
    stopped_ok.stopped = true;
    w.on_finish(job_x(2), stopped_ok);  // stopped by sweep, exited 0 anyway
    w.on_finish(job_x(3), signalled(SIGTERM));  // killed from outside
    w.on_finish(job_x(4), signalled(SIGINT));
    w.on_finish(job_x(5), signalled(SIGHUP));
    JobResult retry = exit_code(1);
    retry.will_retry = true;
    w.on_finish(job_x(6, 0, 1), retry);  // not its last attempt
    // Recorded: a timeout's SIGTERM is sweep's own, and the last attempt.
    JobResult timeout = signalled(SIGTERM);
    timeout.timeout = true;
    w.on_finish(job_x(7), timeout);
    w.on_finish(job_x(6, 0, 2), exit_code(0));
    w.flush();
  }
  Strings lines = split_lines(read_file(path));
  REQUIRE(lines.size() == 2);
  RecordReader reader;
  Record r;
  REQUIRE_MESSAGE(reader.parse(lines[0], r), reader.why());
  CHECK(r.job == 7);
  CHECK_FALSE(r.ok);
  CHECK(r.result.timeout);
  CHECK(r.result.signal == SIGTERM);
  REQUIRE_MESSAGE(reader.parse(lines[1], r), reader.why());
  CHECK(r.job == 6);
  CHECK(r.ok);
  CHECK(r.attempt == 2);

  Warnings warnings;
  JournalIndex idx = JournalIndex::load(path, warnings.fn());
  CHECK(warnings.list.empty());
  CHECK(idx.records() == 2);
  for (std::int64_t x : {1, 2, 3, 4, 5}) {
    CAPTURE(x);
    CHECK_FALSE(idx.succeeded(key_x(x)));
    CHECK_FALSE(idx.failed(key_x(x)));
  }
  CHECK(idx.failed(key_x(7)));
  CHECK(idx.succeeded(key_x(6)));
}

TEST_CASE("a torn last line is warned about and ignored, and fenced off") {
  test::TempDir dir;
  std::string path = dir.file("journal.jsonl");
  {
    JournalWriter w(path);
    w.on_finish(job_x(1), exit_code(0));
    w.on_finish(job_x(2), exit_code(0));
    w.flush();
  }
  std::string whole = read_file(path);
  Strings lines = split_lines(whole);
  REQUIRE(lines.size() == 2);
  // A crash cut the second record short (inside its key).
  dir.write("journal.jsonl", lines[0] + "\n" + lines[1].substr(0, 30));
  Warnings warnings;
  JournalIndex idx = JournalIndex::load(path, warnings.fn());
  REQUIRE(warnings.list.size() == 1);
  CHECK(contains(warnings.list[0], path + ":2: ignoring a torn last line"));
  CHECK(idx.records() == 1);
  CHECK(idx.succeeded(key_x(1)));
  CHECK_FALSE(idx.succeeded(key_x(2)));
  CHECK_FALSE(idx.failed(key_x(2)));

  // Appending again starts on a fresh line: the torn one stays garbage, the
  // new record is whole.
  {
    JournalWriter w(path);
    w.on_finish(job_x(3), exit_code(0));
    w.flush();
  }
  lines = split_lines(read_file(path));
  REQUIRE(lines.size() == 3);
  CHECK(lines[2].rfind("{\"key\":\"" + key_x(3).hex() + "\"", 0) == 0);
  warnings.list.clear();
  idx = JournalIndex::load(path, warnings.fn());
  CHECK(idx.succeeded(key_x(3)));
  CHECK(idx.records() == 2);
  REQUIRE(warnings.list.size() == 1);
  CHECK(contains(warnings.list[0],
                 path + ":2: ignoring a line that is not a journal record"));
}

TEST_CASE("a record without a key is keyed from its params") {
  test::TempDir dir;
  // End records of a result stream (or an older journal): no key, no ok.
  std::string path = dir.write(
      "foreign.jsonl",
      R"({"job":3,"params":{"x":5,"lr":2.0,"s":"caf\u00e9"},"rep":1,"exit":0,"duration_s":0.1})"
      "\n"
      R"({"job":4,"params":{"x":6},"exit":2,"duration_s":0.1})"
      "\n"
      R"({"job":5,"params":{"x":7},"signal":"SIGKILL","duration_s":0.1})"
      "\n");
  Warnings warnings;
  JournalIndex idx = JournalIndex::load(path, warnings.fn());
  CHECK(warnings.list.empty());
  CHECK(idx.records() == 3);
  Value x = std::int64_t{5}, lr = 2.0, s = std::string("caf\xC3\xA9");
  JobKey k3 = job_key({{"x", &x}, {"lr", &lr}, {"s", &s}}, 1);
  CHECK(idx.succeeded(k3));
  CHECK_FALSE(idx.succeeded(job_key({{"x", &x}, {"lr", &lr}, {"s", &s}}, 0)));
  // 2.0 is a float: the key of the integer 2 is another job's.
  Value lr_int = std::int64_t{2};
  CHECK_FALSE(
      idx.succeeded(job_key({{"x", &x}, {"lr", &lr_int}, {"s", &s}}, 1)));
  CHECK(idx.failed(key_x(6)));
  CHECK(idx.failed(key_x(7)));
}

TEST_CASE("a record cut inside its outcome is not read as a failure") {
  test::TempDir dir;
  {
    JournalWriter w(dir.file("good.jsonl"));
    w.on_finish(job_x(1), exit_code(0));
    w.flush();
  }
  std::string good = read_file(dir.file("good.jsonl"));
  // A crash cut the record after "ok":tr; the next run fenced it off with a
  // newline, so it is no longer the last line.
  std::string cut = good.substr(0, good.find("\"ok\":t") + 7);
  std::string path = dir.write("journal.jsonl", cut + "\n");
  Warnings warnings;
  JournalIndex idx = JournalIndex::load(path, warnings.fn());
  CHECK(idx.records() == 0);
  CHECK_FALSE(idx.failed(key_x(1)));
  CHECK_FALSE(idx.succeeded(key_x(1)));
  CHECK(warnings.list.size() == 1);
}

TEST_CASE("line and grid records in a journal say nothing of an outcome") {
  test::TempDir dir;
  std::string path = dir.write("journal.jsonl",
                               R"({"job":6,"params":{"x":6},"line":"epoch 1"})"
                               "\n"
                               R"({"job":7,"params":{"x":7}})"
                               "\n");
  Warnings warnings;
  JournalIndex idx = JournalIndex::load(path, warnings.fn());
  CHECK(idx.records() == 0);
  CHECK_FALSE(idx.failed(key_x(6)));
  CHECK_FALSE(idx.failed(key_x(7)));
}

TEST_CASE("garbage lines: three warnings, then a total") {
  test::TempDir dir;
  std::string good;
  {
    JournalWriter w(dir.file("good.jsonl"));
    w.on_finish(job_x(1), exit_code(0));
    w.flush();
  }
  good = read_file(dir.file("good.jsonl"));
  std::string path = dir.write(
      "journal.jsonl", "not json\n" + good + "[1,2]\n\n{\"job\":\"x\"}\n" +
                           "{\"key\":\"nothex\",\"ok\":true,\"job\":1}\n" +
                           "{\"params\":{\"x\":1}}\n");
  Warnings warnings;
  JournalIndex idx = JournalIndex::load(path, warnings.fn());
  CHECK(idx.records() == 1);
  CHECK(idx.succeeded(key_x(1)));
  REQUIRE(warnings.list.size() == 4);
  CHECK(contains(warnings.list[0],
                 path + ":1: ignoring a line that is not a journal record"));
  CHECK(contains(warnings.list[1],
                 path + ":3: ignoring a line that is not a journal record"));
  CHECK(contains(warnings.list[2],
                 path + ":5: ignoring a line that is not a journal record"));
  CHECK(contains(warnings.list[3], path + ": ignored 5 lines in all"));

  // Up to three: no total.
  path = dir.write("few.jsonl", "x\n" + good + "y\n");
  warnings.list.clear();
  idx = JournalIndex::load(path, warnings.fn());
  CHECK(warnings.list.size() == 2);
  CHECK(idx.records() == 1);
}

TEST_CASE("a missing journal is an empty one") {
  test::TempDir dir;
  Warnings warnings;
  JournalIndex idx =
      JournalIndex::load(dir.file("does-not-exist.jsonl"), warnings.fn());
  CHECK(warnings.list.empty());
  CHECK(idx.records() == 0);
  CHECK_FALSE(idx.succeeded(key_x(1)));
  CHECK_FALSE(idx.failed(JobKey{}));
  // An empty file too.
  idx = JournalIndex::load(dir.write("empty.jsonl", ""), warnings.fn());
  CHECK(warnings.list.empty());
  CHECK(idx.records() == 0);
}

TEST_CASE("KeySet keeps the zero key and grows past many inserts") {
  KeySet set;
  CHECK(set.size() == 0);
  CHECK_FALSE(set.contains(JobKey{}));
  CHECK_FALSE(set.contains(JobKey{1, 2}));
  set.insert(JobKey{});
  CHECK(set.contains(JobKey{}));
  CHECK(set.size() == 1);
  set.insert(JobKey{});
  CHECK(set.size() == 1);
  // Half-zero keys are ordinary keys, not the empty marker.
  set.insert(JobKey{0, 1});
  set.insert(JobKey{1, 0});
  CHECK(set.contains(JobKey{0, 1}));
  CHECK(set.contains(JobKey{1, 0}));
  CHECK(set.size() == 3);

  std::mt19937_64 rng(12345);
  std::vector<JobKey> keys;
  for (int i = 0; i < 200000; ++i) keys.push_back(JobKey{rng(), rng()});
  for (const auto& k : keys) set.insert(k);
  CHECK(set.size() == keys.size() + 3);
  bool all = true;
  for (const auto& k : keys) all = all && set.contains(k);
  CHECK(all);
  CHECK(set.contains(JobKey{}));
  CHECK(set.contains(JobKey{0, 1}));
  int stray = 0;
  for (int i = 0; i < 100000; ++i) stray += set.contains(JobKey{rng(), rng()});
  CHECK(stray == 0);
  // Re-inserting changes nothing.
  for (int i = 0; i < 1000; ++i) set.insert(keys[i]);
  CHECK(set.size() == keys.size() + 3);

  // Keys that all probe from the same slot (equal low bits).
  KeySet same;
  for (std::uint64_t hi = 1; hi <= 5000; ++hi) same.insert(JobKey{hi, 64});
  CHECK(same.size() == 5000);
  bool found = true;
  for (std::uint64_t hi = 1; hi <= 5000; ++hi)
    found = found && same.contains(JobKey{hi, 64});
  CHECK(found);
  CHECK_FALSE(same.contains(JobKey{5001, 64}));

  // reserve() first, then inserts: the same set.
  KeySet reserved;
  reserved.insert(JobKey{});
  reserved.insert(JobKey{7, 7});
  reserved.reserve(100000);
  CHECK(reserved.contains(JobKey{}));
  CHECK(reserved.contains(JobKey{7, 7}));
  CHECK(reserved.size() == 2);
}
