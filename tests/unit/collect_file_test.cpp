// A stream collected with a second thread reading it (report::collect_file)
// gives exactly the dataset one thread gives: the same groups in the same
// order with the same values bit for bit, the same metrics found in the
// same order, the same failures listed, the same errors. (The streams once
// split between threads by group; these cases are the ones that split got
// wrong, kept against any future sharing.)
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "report/collect.hpp"
#include "sweep/error.hpp"
#include "sweep/value.hpp"
#include "test_files.hpp"

using namespace sweep;
using namespace sweep::report;

namespace {

// Everything in a dataset, as text (numbers to the last bit).
std::string everything(const Dataset& d) {
  std::string s;
  auto num = [&](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g ", v);
    s += buf;
  };
  s += "params:";
  for (const auto& p : d.params) s += " " + p;
  s += "\nmetrics:";
  for (const auto& m : d.metrics) s += " " + m.name;
  s += "\nfound:";
  for (const auto& f : d.found) s += " " + f;
  s += "\nrecords " + std::to_string(d.records) + " jobs " +
       std::to_string(d.jobs) + " rungs " + std::to_string(d.rungs) + "\n";
  for (const Group& g : d.groups) {
    s += "group";
    for (const auto& [name, value] : g.params)
      s += " " + name + "=" + to_text(value) + ":" +
           std::to_string(value.index());
    s += " first " + std::to_string(g.first_job) + " runs " +
         std::to_string(g.runs) + " failed " + std::to_string(g.failed) +
         " rung " + std::to_string(g.rung) + "\n";
    for (const auto& values : g.values) {
      s += "  ";
      for (double v : values) num(v);
      s += "\n";
    }
    for (const CurvePoint& p : g.curve.points()) {
      num(p.step);
      s += std::to_string(p.n) + " ";
      num(p.mean);
      num(p.m2);
    }
    s += "\n";
  }
  const Failures& f = d.failures;
  for (const auto& [outcome, n] : f.by_outcome)
    s += outcome + ": " + std::to_string(n) + "\n";
  s += "timeouts " + std::to_string(f.timeouts) + " stopped " +
       std::to_string(f.stopped) + " pruned " + std::to_string(f.pruned) +
       " unfinished " + std::to_string(f.unfinished) + "\n";
  for (const FailedJob& j : f.jobs)
    s += std::to_string(j.job) + " " + j.params + " " + j.outcome + " [" +
         j.last_stdout + "] [" + j.last_stderr + "]\n";
  return s;
}

std::string head(std::uint64_t job, const std::string& params,
                 unsigned attempt = 1) {
  std::string s = "{\"job\":" + std::to_string(job) + ",\"params\":" + params;
  if (attempt > 1) s += ",\"attempt\":" + std::to_string(attempt);
  return s;
}

// A stream of `jobs` jobs run four at a time (their records interleave),
// with everything a collector tells apart: replicates, plain, JSON and
// stderr lines, steps, retries, failures of each kind, pruned, stopped and
// unfinished jobs, lines not in the writer's layout, a parameter named like
// another group's metric.
std::string stream(int jobs) {
  std::uint64_t seed = 12345;
  auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  std::vector<std::vector<std::string>> pending(4);
  std::string out;
  auto flush = [&](std::vector<std::string>& recs) {
    for (auto& r : recs) out += r + "\n";
    recs.clear();
  };
  for (int j = 0; j < jobs; ++j) {
    std::string p = "{\"lr\":" + std::to_string(0.1 * (j % 7)) +
                    ",\"depth\":" + std::to_string(j % 5) +
                    ",\"seed\":" + std::to_string(j % 3) + "}";
    if (j == 40) p = R"({"mode":"x","acc":1})";  // acc: a metric elsewhere
    auto& recs = pending[j % 4];
    unsigned attempt = 1;
    if (j % 23 == 5) {  // a failed attempt, retried
      recs.push_back(head(j, p) + R"(,"line":"epoch 1 loss=9"})");
      recs.push_back(head(j, p) + R"(,"exit":1,"retrying":true})");
      attempt = 2;
    }
    int epochs = 1 + static_cast<int>(next() % 4);
    for (int e = 1; e <= epochs; ++e) {
      double loss = static_cast<double>(next() % 1000) / 997.0;
      char text[96];
      std::snprintf(text, sizeof text, "epoch %d loss=%.6f acc: %.4f", e, loss,
                    1 - loss / 3);
      if (j % 11 == 3)  // not the writer's layout: the parser reads it
        recs.push_back("{ \"job\": " + std::to_string(j) +
                       ", \"params\": " + p + ", \"line\": \"" + text + "\"}");
      else
        recs.push_back(head(j, p, attempt) + ",\"line\":\"" + text + "\"}");
    }
    if (j == 1 || j == 4)  // first seen in different shares' groups
      recs.push_back(head(j, p, attempt) + ",\"line\":\"" +
                     (j == 1 ? "b_metric=1" : "a_metric=2") + "\"}");
    if (j % 9 == 2)
      recs.push_back(
          head(j, p, attempt) +
          R"(,"line":"{\"f1\":0.5}","data":{"f1":0.5,"m":{"k":2}}})");
    if (j % 13 == 4)
      recs.push_back(head(j, p, attempt) +
                     R"(,"stream":"stderr","line":"warning: x"})");
    static const char* const kOutcomes[] = {
        R"(,"exit":0)",
        R"(,"exit":3)",
        R"(,"signal":"SIGKILL","exit":0)",
        R"(,"exit":0,"timeout":true)",
        R"(,"exit":0,"pruned":true,"pruned_step":1)",
        R"(,"exit":0,"stopped":true)"};
    std::string end = head(j, p, attempt) + kOutcomes[j % 17 < 6 ? j % 17 : 0];
    end += ",\"duration_s\":" + std::to_string(1 + j % 10) + ".5}";
    if (j != jobs - 3) recs.push_back(end);  // one job never ends
    if (next() % 3 == 0) flush(recs);
    if (j % 4 == 3)
      for (auto& r : pending) flush(r);
  }
  for (auto& r : pending) flush(r);
  return out;
}

Dataset collected(const std::string& path, const CollectOptions& o,
                  unsigned threads) {
  return collect_file(path, o, threads);
}

}  // namespace

// Threaded: `make tsan` runs this suite under ThreadSanitizer.
TEST_SUITE_BEGIN("library");

TEST_CASE("two threads collect exactly what one thread does") {
  test::TempDir dir;
  std::string path = dir.write("s.jsonl", stream(400));
  std::vector<CollectOptions> cases(4);
  cases[1].over = {"seed"};
  cases[2].metrics = {MetricSpec::parse("loss:min", "--metric"),
                      MetricSpec::parse("duration_s", "--metric")};
  cases[2].reduce = Reduce::kMean;
  cases[3].over = {"seed", "depth"};
  cases[3].metrics = {MetricSpec::parse("acc:max", "--metric")};
  cases[3].reduce = Reduce::kBest;
  for (const CollectOptions& o : cases) {
    std::string alone = everything(collected(path, o, 1));
    CHECK(alone.find("f1") != std::string::npos);  // the stream has it all
    CHECK(alone.find("SIGKILL") != std::string::npos);
    for (unsigned threads : {2u, 3u, 4u}) {
      CAPTURE(threads);
      CHECK(everything(collected(path, o, threads)) == alone);
    }
  }
}

TEST_CASE("two threads fail as one thread does") {
  test::TempDir dir;
  std::string good = stream(60);
  // Two bad lines, in jobs of different shares: the first is named.
  std::string bad = good;
  size_t at = bad.find("{\"job\":31,");
  REQUIRE(at != std::string::npos);
  bad.insert(at, "{\"job\":31,\"params\":{},\"line\":7}\n");
  at = bad.find("{\"job\":50,");
  REQUIRE(at != std::string::npos);
  bad.insert(at, "{\"job\":50,\"params\":{},\"line\":oops}\n");
  std::string path = dir.write("bad.jsonl", bad);
  std::string alone, shared;
  try {
    collected(path, {}, 1);
  } catch (const RecordError& e) {
    alone = e.what();
  }
  REQUIRE(!alone.empty());
  for (unsigned threads : {2u, 3u}) {
    CAPTURE(threads);
    CHECK_THROWS_WITH_AS(collected(path, {}, threads), alone.c_str(),
                         RecordError);
  }
  // A job that ends twice (a resumed run appended) is told to the caller.
  std::string twice = good + head(7, "{}") + ",\"exit\":0}\n" + good;
  path = dir.write("twice.jsonl", twice);
  CHECK_THROWS_AS(collected(path, {}, 1), JobEndedTwice);
  CHECK_THROWS_AS(collected(path, {}, 2), JobEndedTwice);
}

TEST_CASE("a job number with two sets of params is read by one thread") {
  // Two runs' records in one stream: job 0 of the first never ended, job 0
  // of the second (other params) comes thousands of jobs later. One
  // collector puts their records together by job number.
  test::TempDir dir;
  std::string s = head(0, R"({"x":0})") + ",\"line\":\"v=1\"}\n";
  for (int j = 1; j < 5000; ++j) {
    std::string p = "{\"x\":" + std::to_string(j) + "}";
    s += head(j, p) + ",\"line\":\"v=" + std::to_string(j) + "\"}\n";
    s += head(j, p) + ",\"exit\":0}\n";
  }
  s += head(0, R"({"x":99})") + ",\"line\":\"v=99\"}\n";
  s += head(0, R"({"x":99})") + ",\"exit\":0}\n";
  std::string path = dir.write("two.jsonl", s);
  std::string alone = everything(collected(path, {}, 1));
  for (unsigned threads : {2u, 3u}) {
    CAPTURE(threads);
    CHECK(everything(collected(path, {}, threads)) == alone);
  }
}

namespace {

// What collecting gives, or the error it throws, as text.
std::string outcome(const std::string& path, const CollectOptions& o,
                    unsigned threads) {
  try {
    return everything(collected(path, o, threads));
  } catch (const JobEndedTwice& e) {
    return "job " + std::to_string(e.job) + " ended twice";
  } catch (const Error& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("odd streams: threads still collect what one thread does") {
  test::TempDir dir;
  CollectOptions over_zz, over_b;
  over_zz.over = {"zz"};
  over_b.over = {"b"};
  struct Case {
    std::string what;
    std::string text;
    CollectOptions options;
  };
  std::vector<Case> cases = {
      {"groups whose first metric differs: the curve follows the stream's",
       head(0, R"({"g":0})") + ",\"line\":\"loss=1 step=1\"}\n" +
           head(1, R"({"g":1})") + ",\"line\":\"acc=0.5 loss=2 step=1\"}\n" +
           head(1, R"({"g":1})") + ",\"line\":\"acc=0.6 loss=3 step=2\"}\n" +
           head(0, R"({"g":0})") + ",\"exit\":0}\n" + head(1, R"({"g":1})") +
           ",\"exit\":0}\n",
       {}},
      {"a job's second end before a bad line of the same share",
       head(0, R"({"g":0})") + ",\"line\":\"v=1\"}\n" + head(1, R"({"g":1})") +
           ",\"line\":\"v=1\"}\n" + head(0, R"({"g":0})") + ",\"exit\":0}\n" +
           head(0, R"({"g":0})") + ",\"exit\":0}\n" + head(2, R"({"g":2})") +
           ",\"line\":7}\n" + head(1, R"({"g":1})") + ",\"exit\":0}\n" +
           head(1, R"({"g":1})") + ",\"line\":oops}\n",
       {}},
      {"a torn last line names a parameter no whole record has",
       head(0, R"({"a":1})") + ",\"line\":\"m=1\"}\n" + head(0, R"({"a":1})") +
           ",\"exit\":0}\n" + head(2, R"({"zz":5})") + ",\"line\":\"m=1 trunc",
       over_zz},
      {"a finished job's number again, with other params",
       head(0, R"({"a":1})") + ",\"exit\":0}\n" + head(1, R"({"a":2})") +
           ",\"exit\":0}\n" + head(1, R"({"b":7})") + ",\"line\":\"m=1\"}\n" +
           head(0, R"({"a":1,"x":0})") + ",\"line\":\"b=3\"}\n",
       over_b},
      {"a line with job twice",
       head(0, R"({"a":1})") + ",\"line\":\"m=1\"}\n" +
           R"({"job":0,"params":{"a":2},"job":1,"line":"m=2"})" + "\n" +
           head(1, R"({"a":3})") + ",\"exit\":0}\n" + head(0, R"({"a":1})") +
           ",\"exit\":0}\n",
       {}},
  };
  std::string b64 =
      R"({"job":0,"params":{"tag":"\ufffd"},"params_b64":{"tag":"/w=="})";
  cases.push_back(
      {"values that are not UTF-8, by their exact bytes",
       b64 + R"(,"line":"acc=0.5"})" + "\n" + b64 + R"(,"exit":0})" + "\n" +
           R"({"job":1,"params":{"tag":"\ufffd"},"params_b64":{"tag":"/w=="},"line":"acc=0.6"})" +
           "\n" +
           R"({"job":1,"params":{"tag":"\ufffd"},"params_b64":{"tag":"/w=="},"exit":0})" +
           "\n",
       {}});
  // Threads place a job by its params' text (the --over members cut out),
  // learnt from each text's first decoded record.
  CollectOptions over_d;
  over_d.over = {"d"};
  auto job = [](int j, const std::string& params, const std::string& rest) {
    return head(j, params) + rest + "\n";
  };
  std::string texts;
  const char* const kTexts[] = {
      R"({"lr":0.001,"d":0})",    R"({"lr":1e-3,"d":1})",
      R"({"d":2,"lr":0.001})",    R"({"lr":0.0010,"d":3})",
      R"({"s":"a,}\"b","d":4})",  R"({"s":"a,}\"b","d":5})",
      R"({"k\u0065y":1,"d":6})",  R"({"key":1,"d":7})",
      R"({"a":1,"d":8,"b":[2]})", R"({"a":1,"d":9,"b":3})",
      R"({"a":1,"d":10,"b":3})",  R"({})"};
  int n = 0;
  for (const char* p : kTexts)
    for (int rep = 0; rep < 2; ++rep, ++n)
      texts += job(n, p, R"(,"line":"acc=)" + std::to_string(n) + "\"}") +
               job(n, p, R"(,"exit":0})");
  cases.push_back(
      {"one group written several ways, strings, escapes", texts, over_d});
  cases.push_back({"a known params text with a bad --over value",
                   job(0, R"({"lr":1,"d":0})", R"(,"line":"acc=1"})") +
                       job(0, R"({"lr":1,"d":0})", R"(,"exit":0})") +
                       job(1, R"({"lr":1,"d":0x})", R"(,"line":"acc=2"})") +
                       job(1, R"({"lr":1,"d":1})", R"(,"exit":0})"),
                   over_d});
  // A grid listing's line starts no job: one collector notes nothing
  // from it (not its names' order, not a name that is then no metric).
  cases.push_back({"a grid listing's line first names a group's params",
                   std::string(R"({"job":0,"params":{"b":1,"a":1}})") + "\n" +
                       job(1, R"({"a":1,"b":1})", R"(,"exit":0})"),
                   {}});
  cases.push_back({"a grid listing's line names a parameter like a metric",
                   std::string(R"({"job":0,"params":{"loss":1}})") + "\n" +
                       job(1, R"({"a":1})", R"(,"line":"loss=0.5"})") +
                       job(1, R"({"a":1})", R"(,"exit":0})"),
                   {}});
  cases.push_back(
      {"a share whose first metric differs, with a step on its second",
       job(0, R"({"x":0})", R"(,"line":"loss=1"})") +
           job(1, R"({"x":1})", R"(,"line":"acc=1"})") +
           job(1, R"({"x":1})", R"(,"line":"epoch 4 loss=0.5"})") +
           job(0, R"({"x":0})", R"(,"exit":0})") +
           job(1, R"({"x":1})", R"(,"exit":0})"),
       {}});
  cases.push_back(
      {"a line with job twice, not in the writer's layout",
       job(0, R"({"a":1})", R"(,"line":"loss=1"})") +
           job(1, R"({"a":2})", R"(,"line":"loss=2"})") +
           R"({"job":0,"rep":0,"params":{"a":null},"job":1,"line":"loss=5"})" +
           "\n" + job(0, R"({"a":1})", R"(,"exit":0})") +
           job(1, R"({"a":2})", R"(,"exit":0})"),
       {}});
  std::string many;  // more jobs than the shares' job cache holds
  for (int j = 1; j <= 5000; ++j)
    many += head(j, "{\"lr\":" + std::to_string(j % 3) + "}") +
            ",\"line\":\"acc=0.1 b=0.2\"}\n" +
            head(j, "{\"lr\":" + std::to_string(j % 3) + "}") +
            ",\"exit\":0}\n";
  cases.push_back(
      {"a running job's record with other params, after its cache slot went",
       head(0, R"({"lr":0})") + ",\"line\":\"acc=0.5\"}\n" + many +
           head(0, R"({"lr":0,"b":2})") + ",\"line\":\"acc=0.7 b=0.3\"}\n" +
           head(0, R"({"lr":0})") + ",\"exit\":0}\n",
       {}});
  cases.push_back({"a job ending in two shares, then a bad line",
                   head(0, R"({"a":1})") + ",\"exit\":0}\n" + many +
                       head(0, R"({"a":2})") + ",\"line\":\"acc=0.9\"}\n" +
                       head(0, R"({"a":2})") + ",\"exit\":0}\n" +
                       head(1, R"({"lr":1})") + ",\"line\":7}\n",
                   {}});
  cases.push_back({"the largest job number",
                   head(18446744073709551615ULL, "{}") +
                       ",\"line\":\"acc=1\"}\n" +
                       head(18446744073709551615ULL, "{}") + ",\"exit\":0}\n",
                   {}});
  for (const Case& c : cases) {
    CAPTURE(c.what);
    std::string path = dir.write("odd.jsonl", c.text);
    std::string alone = outcome(path, c.options, 1);
    for (unsigned threads : {2u, 3u}) {
      CAPTURE(threads);
      CHECK(outcome(path, c.options, threads) == alone);
    }
  }
}

TEST_CASE("one thread for small streams, two for large ones") {
  CHECK(collect_threads(0) == 1);
  CHECK(collect_threads(1 << 20) == 1);
  unsigned big = collect_threads(std::uint64_t{1} << 30);
  CHECK(big >= 1);
  CHECK(big <= 2);
}

TEST_SUITE_END();
