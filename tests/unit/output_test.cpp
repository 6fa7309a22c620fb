// The result stream writer (JsonlWriter) and --keep-order (OrderedSink).
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/job.hpp"
#include "core/record_writer.hpp"
#include "output/ordered_sink.hpp"
#include "output/output_stream.hpp"
#include "output/result_writer.hpp"
#include "sweep/error.hpp"
#include "test_files.hpp"

using namespace sweep;
using test::read_file;
using test::show;
using test::split_lines;
using Strings = std::vector<std::string>;

namespace {

Job make_job(std::uint64_t index, std::string params_json = "{\"x\":1}") {
  Job j;
  j.index = index;
  j.seq = index;
  j.argv = {"prog"};
  j.params_json = std::move(params_json);
  return j;
}

// What a JsonlWriter writes to a file for these events.
std::string jsonl(const std::function<void(JsonlWriter&)>& events,
                  bool stderr_records = false) {
  test::TempDir dir;
  std::string path = dir.file("out.jsonl");
  {
    OutputStream out = OutputStream::open_file(path);
    JsonlWriter w(out, stderr_records);
    events(w);
    w.flush();
  }
  return read_file(path);
}

JobResult exited(int code) {
  JobResult r;
  r.exit_code = code;
  r.duration_s = 0.25;
  return r;
}

}  // namespace

TEST_CASE("JsonlWriter writes a record per stdout line and one at the end") {
  Job j = make_job(3);
  JobResult r = exited(0);
  std::string text = jsonl([&](JsonlWriter& w) {
    w.on_start(j);
    w.on_line(j, Stream::kStdout, "a");
    w.on_line(j, Stream::kStdout, R"({"k": 1})");
    w.on_line(j, Stream::kStderr, "dropped");
    w.on_lines(j, Stream::kStderr, "dropped too\nand this");
    w.on_finish(j, r);
  });
  std::string end;
  append_end_record(end, RecordHead{3, "{\"x\":1}", {}, {}}, r);
  CHECK(text ==
        R"({"job":3,"params":{"x":1},"line":"a"})"
        "\n"
        R"({"job":3,"params":{"x":1},"line":"{\"k\": 1}","data":{"k": 1}})"
        "\n" +
            end);
  CHECK(end == R"({"job":3,"params":{"x":1},"exit":0,"duration_s":0.25,)"
               R"("cpu_user_s":0,"cpu_sys_s":0,"max_rss_kb":0})"
               "\n");
}

TEST_CASE("JsonlWriter writes stderr lines only with stderr_records") {
  Job j = make_job(1);
  auto events = [&](JsonlWriter& w) {
    w.on_line(j, Stream::kStderr, "e1");
    w.on_lines(j, Stream::kStderr, "e2\ne3");
    w.on_line(j, Stream::kStdout, "o");
  };
  CHECK(jsonl(events, false) == R"({"job":1,"params":{"x":1},"line":"o"})"
                                "\n");
  CHECK(show(split_lines(jsonl(events, true))) ==
        show({R"({"job":1,"params":{"x":1},"stream":"stderr","line":"e1"})",
              R"({"job":1,"params":{"x":1},"stream":"stderr","line":"e2"})",
              R"({"job":1,"params":{"x":1},"stream":"stderr","line":"e3"})",
              R"({"job":1,"params":{"x":1},"line":"o"})"}));
}

TEST_CASE("JsonlWriter writes a block of lines as it writes each line") {
  Job j = make_job(2);
  std::string block =
      "first\n\n{\"a\":[1,2]}\nq\"uote\ttab\nbad \xFF byte\n{} x\nlast";
  std::string per_line = jsonl(
      [&](JsonlWriter& w) {
        EventSink& base = w;  // the default on_lines: one on_line per line
        base.EventSink::on_lines(j, Stream::kStdout, block);
        base.EventSink::on_lines(j, Stream::kStderr, block);
      },
      true);
  std::string at_once = jsonl(
      [&](JsonlWriter& w) {
        w.on_lines(j, Stream::kStdout, block);
        w.on_lines(j, Stream::kStderr, block);
      },
      true);
  CHECK(split_lines(per_line).size() == 14);
  CHECK(at_once == per_line);
  // A single line given as a block is one record.
  CHECK(jsonl([&](JsonlWriter& w) { w.on_lines(j, Stream::kStdout, "x"); }) ==
        R"({"job":2,"params":{"x":1},"line":"x"})"
        "\n");
}

TEST_CASE("JsonlWriter writes rep and attempt only when the run has them") {
  Job j = make_job(4);
  j.rep = 2;
  j.attempt = 3;
  JobResult r = exited(1);
  auto events = [&](JsonlWriter& w) {
    w.on_line(j, Stream::kStdout, "l");
    w.on_finish(j, r);
  };
  auto records = [&] { return split_lines(jsonl(events)); };

  Strings plain = records();
  REQUIRE(plain.size() == 2);
  CHECK(plain[0] == R"({"job":4,"params":{"x":1},"line":"l"})");
  CHECK(plain[1].rfind(R"({"job":4,"params":{"x":1},"exit":1,)", 0) == 0);

  j.repeated = true;
  Strings rep = records();
  REQUIRE(rep.size() == 2);
  CHECK(rep[0] == R"({"job":4,"params":{"x":1},"rep":2,"line":"l"})");
  CHECK(rep[1].rfind(R"({"job":4,"params":{"x":1},"rep":2,"exit":1,)", 0) == 0);

  j.retrying = true;
  Strings both = records();
  REQUIRE(both.size() == 2);
  CHECK(both[0] ==
        R"({"job":4,"params":{"x":1},"rep":2,"attempt":3,"line":"l"})");
  CHECK(both[1].rfind(R"({"job":4,"params":{"x":1},"rep":2,"attempt":3,)", 0) ==
        0);

  j.repeated = false;
  Strings attempt = records();
  REQUIRE(attempt.size() == 2);
  CHECK(attempt[0] == R"({"job":4,"params":{"x":1},"attempt":3,"line":"l"})");
}

TEST_CASE("JsonlWriter's cached prefix follows the job, attempt and stream") {
  Job a = make_job(0, R"({"x":"a"})");
  Job b = make_job(1, R"({"x":"b"})");
  a.retrying = b.retrying = true;
  Job a2 = a;
  a2.attempt = 2;
  std::string text = jsonl(
      [&](JsonlWriter& w) {
        w.on_line(a, Stream::kStdout, "a1");
        w.on_line(b, Stream::kStdout, "b1");
        w.on_line(a, Stream::kStdout, "a2");
        w.on_lines(b, Stream::kStdout, "b2\nb3");
        w.on_line(b, Stream::kStderr, "be");
        w.on_line(b, Stream::kStdout, "b4");
        w.on_line(a2, Stream::kStdout, "a3");
        w.on_lines(a, Stream::kStdout, "a4");
      },
      true);
  CHECK(
      show(split_lines(text)) ==
      show({
          R"({"job":0,"params":{"x":"a"},"attempt":1,"line":"a1"})",
          R"({"job":1,"params":{"x":"b"},"attempt":1,"line":"b1"})",
          R"({"job":0,"params":{"x":"a"},"attempt":1,"line":"a2"})",
          R"({"job":1,"params":{"x":"b"},"attempt":1,"line":"b2"})",
          R"({"job":1,"params":{"x":"b"},"attempt":1,"line":"b3"})",
          R"({"job":1,"params":{"x":"b"},"attempt":1,"stream":"stderr","line":"be"})",
          R"({"job":1,"params":{"x":"b"},"attempt":1,"line":"b4"})",
          R"({"job":0,"params":{"x":"a"},"attempt":2,"line":"a3"})",
          R"({"job":0,"params":{"x":"a"},"attempt":1,"line":"a4"})",
      }));
}

TEST_CASE("JsonlWriter writes through a pipe and stops when it closes") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  // A closed reader must show as EPIPE, not kill the test.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  {
    OutputStream out(fds[1], true);
    JsonlWriter w(out);
    Job j = make_job(5);
    w.on_line(j, Stream::kStdout, "through a pipe");
    w.flush();
    char buf[256];
    ssize_t n = read(fds[0], buf, sizeof buf);
    REQUIRE(n > 0);
    CHECK(std::string(buf, n) ==
          R"({"job":5,"params":{"x":1},"line":"through a pipe"})"
          "\n");
    CHECK_FALSE(w.wants_stop());
    close(fds[0]);
    w.on_line(j, Stream::kStdout, "nobody reads this");
    w.flush();
    CHECK(w.wants_stop());
  }
  sigaction(SIGPIPE, &old, nullptr);
}

// ---------------------------------------------------------------------------
// OrderedSink

namespace {

// Every event as text: "start 1.2" is job 1's attempt 2 starting.
struct Trace : EventSink {
  Strings events;
  static std::string id(const Job& j) {
    return std::to_string(j.index) + "." + std::to_string(j.attempt);
  }
  void on_start(const Job& j) override { events.push_back("start " + id(j)); }
  void on_line(const Job& j, Stream s, std::string_view line) override {
    events.push_back((s == Stream::kStderr ? "err " : "out ") + id(j) + " " +
                     std::string(line));
  }
  void on_finish(const Job& j, const JobResult& r) override {
    std::string how = !r.error.empty() ? "error"
                      : r.will_retry   ? "retry"
                      : r.ok()         ? "ok"
                                       : "failed";
    events.push_back("finish " + id(j) + " " + how);
  }
};

JobResult retrying() {
  JobResult r;
  r.exit_code = 1;
  r.will_retry = true;
  return r;
}

JobResult failed_to_start() {
  JobResult r;
  r.exit_code = 127;
  r.error = "cannot execute nope: No such file or directory";
  return r;
}

Job attempt(const Job& j, unsigned n) {
  Job a = j;
  a.attempt = n;
  a.slot = n;  // a retry may run in another slot
  return a;
}

}  // namespace

TEST_CASE("OrderedSink holds later jobs' output and releases it in order") {
  Trace trace;
  OrderedSink sink(trace);
  Job j0 = make_job(0), j1 = make_job(1), j2 = make_job(2);
  sink.on_start(j0);
  sink.on_start(j1);
  sink.on_start(j2);
  sink.on_line(j1, Stream::kStdout, "b");
  sink.on_lines(j2, Stream::kStderr, "c1\nc2");
  sink.on_finish(j2, exited(0));
  sink.on_line(j0, Stream::kStdout, "a");
  sink.on_finish(j1, exited(3));
  // Only the oldest job has streamed so far.
  CHECK(show(trace.events) == show({"start 0.1", "out 0.1 a"}));
  sink.on_finish(j0, exited(0));
  CHECK(show(trace.events) ==
        show({"start 0.1", "out 0.1 a", "finish 0.1 ok", "start 1.1",
              "out 1.1 b", "finish 1.1 failed", "start 2.1", "err 2.1 c1",
              "err 2.1 c2", "finish 2.1 ok"}));
}

TEST_CASE("OrderedSink streams a released job that is still running") {
  Trace trace;
  OrderedSink sink(trace);
  Job j0 = make_job(0), j1 = make_job(1), j2 = make_job(2);
  sink.on_start(j0);
  sink.on_start(j1);
  sink.on_line(j1, Stream::kStdout, "early");
  sink.on_finish(j0, exited(0));
  CHECK(show(trace.events) ==
        show({"start 0.1", "finish 0.1 ok", "start 1.1", "out 1.1 early"}));
  sink.on_line(j1, Stream::kStdout, "late");  // the head now: at once
  CHECK(trace.events.back() == "out 1.1 late");
  sink.on_start(j2);
  sink.on_line(j2, Stream::kStdout, "held");
  CHECK(trace.events.back() == "out 1.1 late");
  sink.on_finish(j1, exited(0));
  CHECK(show(trace.events) ==
        show({"start 0.1", "finish 0.1 ok", "start 1.1", "out 1.1 early",
              "out 1.1 late", "finish 1.1 ok", "start 2.1", "out 2.1 held"}));
}

TEST_CASE("OrderedSink passes on a job that failed to start, in its place") {
  Trace trace;
  OrderedSink sink(trace);
  Job j0 = make_job(0), j1 = make_job(1), j2 = make_job(2);
  // Held: job 1 failed to start while job 0 runs.
  sink.on_start(j0);
  sink.on_start(j1);
  sink.on_finish(j1, failed_to_start());
  sink.on_start(j2);
  sink.on_line(j2, Stream::kStdout, "two");
  CHECK(show(trace.events) == show({"start 0.1"}));
  sink.on_finish(j0, exited(0));
  CHECK(show(trace.events) ==
        show({"start 0.1", "finish 0.1 ok", "start 1.1", "finish 1.1 error",
              "start 2.1", "out 2.1 two"}));
  // At the head: straight through, and the next job follows.
  Job j3 = make_job(3), j4 = make_job(4);
  sink.on_finish(j2, exited(0));
  sink.on_start(j4);
  sink.on_finish(j4, exited(0));
  sink.on_start(j3);
  sink.on_finish(j3, failed_to_start());
  CHECK(show(Strings(trace.events.end() - 5, trace.events.end())) ==
        show({"finish 2.1 ok", "start 3.1", "finish 3.1 error", "start 4.1",
              "finish 4.1 ok"}));
}

TEST_CASE("OrderedSink keeps a retried head job at the head until it ends") {
  Trace trace;
  OrderedSink sink(trace);
  Job j0 = make_job(0), j1 = make_job(1);
  sink.on_start(j0);
  sink.on_line(j0, Stream::kStdout, "try 1");
  sink.on_finish(j0, retrying());
  sink.on_start(j1);
  sink.on_line(j1, Stream::kStdout, "one");
  sink.on_finish(j1, exited(0));
  Job j0b = attempt(j0, 2);
  sink.on_start(j0b);
  sink.on_line(j0b, Stream::kStdout, "try 2");
  CHECK(show(trace.events) ==
        show({"start 0.1", "out 0.1 try 1", "finish 0.1 retry", "start 0.2",
              "out 0.2 try 2"}));
  sink.on_finish(j0b, exited(0));
  CHECK(show(trace.events) ==
        show({"start 0.1", "out 0.1 try 1", "finish 0.1 retry", "start 0.2",
              "out 0.2 try 2", "finish 0.2 ok", "start 1.1", "out 1.1 one",
              "finish 1.1 ok"}));
}

TEST_CASE("OrderedSink releases a held job's attempts each as itself") {
  Trace trace;
  OrderedSink sink(trace);
  Job j0 = make_job(0), j1 = make_job(1);
  j1.retrying = true;
  Job j1b = attempt(j1, 2), j1c = attempt(j1, 3);
  sink.on_start(j0);
  sink.on_start(j1);
  sink.on_line(j1, Stream::kStdout, "x1");
  sink.on_finish(j1, retrying());
  sink.on_start(j1b);
  sink.on_line(j1b, Stream::kStdout, "x2");
  sink.on_finish(j1b, retrying());
  sink.on_start(j1c);
  sink.on_line(j1c, Stream::kStdout, "x3");
  sink.on_finish(j1c, exited(0));
  CHECK(show(trace.events) == show({"start 0.1"}));
  sink.on_finish(j0, exited(0));
  // Each attempt's events carry that attempt's own job.
  CHECK(show(trace.events) ==
        show({"start 0.1", "finish 0.1 ok", "start 1.1", "out 1.1 x1",
              "finish 1.1 retry", "start 1.2", "out 1.2 x2", "finish 1.2 retry",
              "start 1.3", "out 1.3 x3", "finish 1.3 ok"}));
}

TEST_CASE("OrderedSink in front of a JsonlWriter writes records in job order") {
  test::TempDir dir;
  std::string path = dir.file("ordered.jsonl");
  {
    OutputStream out = OutputStream::open_file(path);
    JsonlWriter w(out);
    OrderedSink sink(w);
    Job j0 = make_job(0, R"({"x":0})"), j1 = make_job(1, R"({"x":1})");
    j0.retrying = j1.retrying = true;
    sink.on_start(j0);
    sink.on_start(j1);
    sink.on_lines(j1, Stream::kStdout, "b1\nb2");
    sink.on_finish(j1, retrying());
    Job j1b = attempt(j1, 2);
    sink.on_start(j1b);
    sink.on_line(j1b, Stream::kStdout, "b3");
    sink.on_finish(j1b, exited(0));
    sink.on_line(j0, Stream::kStdout, "a1");
    sink.on_finish(j0, exited(0));
    sink.flush();
  }
  Strings lines = split_lines(read_file(path));
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] == R"({"job":0,"params":{"x":0},"attempt":1,"line":"a1"})");
  CHECK(lines[1].rfind(R"({"job":0,"params":{"x":0},"attempt":1,"exit":0,)",
                       0) == 0);
  CHECK(lines[2] == R"({"job":1,"params":{"x":1},"attempt":1,"line":"b1"})");
  CHECK(lines[3] == R"({"job":1,"params":{"x":1},"attempt":1,"line":"b2"})");
  CHECK(lines[4].rfind(R"({"job":1,"params":{"x":1},"attempt":1,"exit":1,)"
                       R"("retrying":true,)",
                       0) == 0);
  CHECK(lines[5] == R"({"job":1,"params":{"x":1},"attempt":2,"line":"b3"})");
  CHECK(lines[6].rfind(R"({"job":1,"params":{"x":1},"attempt":2,"exit":0,)",
                       0) == 0);
}

namespace {

// Every event whole: a block of lines as one entry, an end with its figures,
// so two runs compare equal only if they passed on exactly the same calls.
struct BlockTrace : EventSink {
  Strings events;
  void on_start(const Job& j) override {
    events.push_back("start " + Trace::id(j) + " " + j.params_json);
  }
  void on_line(const Job& j, Stream s, std::string_view line) override {
    events.push_back("line " + Trace::id(j) + " " +
                     std::to_string(static_cast<int>(s)) + " " +
                     std::string(line));
  }
  void on_lines(const Job& j, Stream s, std::string_view lines) override {
    events.push_back("lines " + Trace::id(j) + " " +
                     std::to_string(static_cast<int>(s)) + " " +
                     std::string(lines));
  }
  void on_finish(const Job& j, const JobResult& r) override {
    events.push_back("finish " + Trace::id(j) + " " +
                     std::to_string(r.exit_code) + " " +
                     std::to_string(r.duration_s) + " " + r.error +
                     (r.will_retry ? " retry" : ""));
  }
};

// Feeds the same events to two sinks, checking after each that `small`
// keeps no more than `bound` bytes in memory.
struct Both {
  OrderedSink& big;
  OrderedSink& small;
  std::size_t bound;
  std::uint64_t most_on_disk = 0;
  template <class F>
  void operator()(F f) {
    f(big);
    f(small);
    CHECK(small.held_in_memory() <= bound);
    most_on_disk = std::max(most_on_disk, small.held_on_disk());
  }
};

// A block of n lines of random lengths (some empty), joined by '\n'.
std::string random_block(std::mt19937& rng, std::size_t longest) {
  std::string block;
  int n = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) {
    if (i) block += '\n';
    block += std::string(rng() % (longest + 1), static_cast<char>('a' + i));
  }
  return block;
}

}  // namespace

TEST_CASE("OrderedSink spills held output past its bound and replays it all") {
  constexpr std::size_t kBound = 200;
  BlockTrace in_memory, spilled;
  OrderedSink big(in_memory), small(spilled, kBound);
  Both both{big, small, kBound};
  std::mt19937 rng(12);
  // Eight jobs at once; job 0 runs longest, so the others are held. Some
  // attempts fail and are retried; some blocks alone exceed the bound.
  std::vector<Job> running;
  for (std::uint64_t i = 0; i < 8; ++i) {
    running.push_back(make_job(i, "{\"x\":" + std::to_string(i) + "}"));
    running.back().retrying = true;
    both([&](OrderedSink& s) { s.on_start(running.back()); });
  }
  for (int step = 0; step < 5000 && running.size() > 1; ++step) {
    std::size_t k = 1 + rng() % (running.size() - 1);  // never job 0
    Job& j = running[k];
    unsigned what = rng() % 300;
    if (what == 0 && j.attempt < 3) {
      JobResult r = retrying();
      r.duration_s = step;
      both([&](OrderedSink& s) { s.on_finish(j, r); });
      j = attempt(j, j.attempt + 1);
      both([&](OrderedSink& s) { s.on_start(j); });
    } else if (what == 1) {
      JobResult r = exited(static_cast<int>(k));
      both([&](OrderedSink& s) { s.on_finish(j, r); });
      running.erase(running.begin() + static_cast<long>(k));
    } else {
      std::string block = random_block(rng, what % 25 == 2 ? 400 : 30);
      Stream st = what % 3 == 0 ? Stream::kStderr : Stream::kStdout;
      both([&](OrderedSink& s) { s.on_lines(j, st, block); });
    }
  }
  for (std::size_t k = running.size(); k-- > 1;) {
    both([&](OrderedSink& s) { s.on_finish(running[k], exited(0)); });
    running.pop_back();
  }
  CHECK(small.held_on_disk() > 0);
  CHECK(in_memory.events.size() == 1);  // job 0's start: the rest waits
  both([&](OrderedSink& s) { s.on_line(running[0], Stream::kStdout, "last"); });
  both([&](OrderedSink& s) { s.on_finish(running[0], exited(0)); });
  CHECK(both.most_on_disk > 10 * kBound);
  CHECK(in_memory.events.size() > 1000);
  CHECK(show(spilled.events) == show(in_memory.events));
  CHECK(small.held_in_memory() == 0);
  CHECK(small.held_on_disk() == 0);
  CHECK(big.held_in_memory() == 0);
}

TEST_CASE("OrderedSink streams again after replaying from disk") {
  Trace trace;
  OrderedSink sink(trace, 0);  // everything held goes to disk
  Job j0 = make_job(0), j1 = make_job(1), j2 = make_job(2);
  sink.on_start(j0);
  sink.on_start(j1);
  sink.on_line(j1, Stream::kStdout, "held");
  sink.on_start(j2);
  sink.on_line(j2, Stream::kStderr, "");
  CHECK(sink.held_in_memory() == 0);
  CHECK(sink.held_on_disk() > 0);
  sink.on_finish(j0, exited(0));
  sink.on_line(j1, Stream::kStdout, "live");
  CHECK(trace.events.back() == "out 1.1 live");
  sink.on_finish(j1, exited(0));
  sink.on_finish(j2, exited(0));
  CHECK(show(trace.events) ==
        show({"start 0.1", "finish 0.1 ok", "start 1.1", "out 1.1 held",
              "out 1.1 live", "finish 1.1 ok", "start 2.1", "err 2.1 ",
              "finish 2.1 ok"}));
  CHECK(sink.held_on_disk() == 0);
}

TEST_CASE("OrderedSink's temporary file is in TMPDIR and has no name") {
  test::TempDir tmp;
  std::string dir = tmp.file("spill");
  std::filesystem::create_directory(dir);
  const char* old = std::getenv("TMPDIR");
  std::string saved = old ? old : "";
  setenv("TMPDIR", dir.c_str(), 1);
  {
    Trace trace;
    OrderedSink sink(trace, 8);
    Job j0 = make_job(0), j1 = make_job(1);
    sink.on_start(j0);
    sink.on_start(j1);
    sink.on_line(j1, Stream::kStdout, std::string(100, 'x'));
    CHECK(sink.held_on_disk() > 100);
    CHECK(std::filesystem::is_empty(dir));
    sink.on_finish(j1, exited(0));
    sink.on_finish(j0, exited(0));
    CHECK(trace.events.size() == 5);
  }
  if (old)
    setenv("TMPDIR", saved.c_str(), 1);
  else
    unsetenv("TMPDIR");
  CHECK(std::filesystem::is_empty(dir));
}

TEST_CASE("OrderedSink reports a TMPDIR it cannot write to") {
  const char* old = std::getenv("TMPDIR");
  std::string saved = old ? old : "";
  setenv("TMPDIR", "/no/such/dir", 1);
  Trace trace;
  OrderedSink sink(trace, 0);
  Job j0 = make_job(0), j1 = make_job(1);
  sink.on_start(j0);
  CHECK_THROWS_WITH_AS(sink.on_start(j1),
                       doctest::Contains("/no/such/dir: cannot create"), Error);
  if (old)
    setenv("TMPDIR", saved.c_str(), 1);
  else
    unsetenv("TMPDIR");
}
