// The library API: grids in code, evaluate() and Pool.
#include "sweep/evaluate.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "sweep/error.hpp"

using namespace sweep;

// `make tsan` runs this suite under ThreadSanitizer.
TEST_SUITE_BEGIN("library");

TEST_CASE("a grid built in code is the CLI's grid") {
  Grid g = Grid{}
               .axis("impurity", {"gini", "entropy"})
               .range("depth", 2, 30)
               .range("bins", 10, 1050, 10)
               .fixed("foo", "bar");
  CHECK(g.size() == 6090);
  Point p = g.point(903);
  CHECK(p.get<int>("depth") == 10);
  CHECK(p.get<std::string>("impurity") == "gini");
  CHECK(p.get<int>("bins") == 640);
  CHECK(p.get<std::string>("foo") == "bar");
  CHECK(p.get<double>("depth") == 10.0);
  CHECK_THROWS_AS(p.get<int>("nope"), std::out_of_range);
  CHECK_THROWS_AS(p.get<int>("impurity"), std::invalid_argument);
  Grid f = Grid{}
               .range("lr", 0.1, 0.3, 0.1)
               .linspace("x", 0, 1, 3)
               .logspace("y", 0, 2, 3);
  CHECK(f.size() == 27);
  CHECK(f.point(26).get<double>("lr") == 0.3);
  CHECK(f.point(26).get<double>("y") == 100.0);
  Grid z = Grid{}
               .zip("s", {{"lr", {0.1, 0.01}}, {"warmup", {100, 1000}}})
               .axis("d", {1, 2});
  CHECK(z.size() == 4);
  CHECK(z.point(3).get<int>("warmup") == 1000);
  Grid w = Grid{}.axis("a", {1, 2, 3}).without({{"a", 2}});
  CHECK(w.size() == 2);
  CHECK_THROWS_AS(Grid{}.range("bad", 5, 1), GridError);
  CHECK_THROWS_AS(Grid{}.axis("empty", {}), GridError);
}

TEST_CASE("evaluate returns every result in point order under many threads") {
  Grid g = Grid{}.range("i", 0, 9999);
  std::mutex mu;
  std::set<std::thread::id> threads;
  EvaluateOptions o;
  o.threads = 16;
  auto ev = evaluate(
      g,
      [&](const Point& p) {
        {
          std::lock_guard<std::mutex> lock(mu);
          threads.insert(std::this_thread::get_id());
        }
        // The first calls take a moment, so every thread gets to start.
        if (p.get<long>("i") < 200)
          std::this_thread::sleep_for(std::chrono::microseconds(100));
        return p.get<long>("i") * 2;
      },
      o);
  REQUIRE(ev.results.size() == 10000);
  for (long i = 0; i < 10000; ++i) CHECK(ev.results[i].get() == 2 * i);
  CHECK(threads.size() > 1);
  CHECK(ev.stats.points == 10000);
  CHECK(ev.stats.succeeded == 10000);
  CHECK(ev.stats.threads == 16);
  CHECK(ev.report().find(
            "jobs          10000 (10000 succeeded, 0 failed, 0 not run)") !=
        std::string::npos);
}

TEST_CASE("an exception is captured for its point and never escapes") {
  Grid g = Grid{}.range("i", 0, 99);
  auto ev = evaluate(g, [](const Point& p) {
    if (p.get<int>("i") % 10 == 3)
      throw std::runtime_error("bad point " + p.get<std::string>("i"));
    if (p.get<int>("i") == 50) throw 42;  // not even a std::exception
  });
  CHECK(ev.stats.failed == 11);
  CHECK(ev.stats.succeeded == 89);
  CHECK(ev.results[13].message == "bad point 13");
  CHECK(ev.results[50].message == "unknown exception");
  CHECK_THROWS_WITH_AS(ev.results[23].get(), "bad point 23",
                       std::runtime_error);
  CHECK(ev.results[0].ok());
}

TEST_CASE("stop_on_failure starts nothing after the first exception") {
  Grid g = Grid{}.range("i", 0, 999);
  EvaluateOptions o;
  o.stop_on_failure = true;
  auto fail_at_10 = [](const Point& p) {
    if (p.get<int>("i") == 10) throw std::runtime_error("stop");
    return 1;
  };
  // One thread: exactly points 0..10 run.
  o.threads = 1;
  auto ev = evaluate(g, fail_at_10, o);
  CHECK(ev.stats.failed == 1);
  CHECK(ev.stats.succeeded == 10);
  CHECK(ev.stats.halted);
  CHECK(ev.stats.not_run() == 989);
  CHECK(ev.results[10].message == "stop");
  CHECK_FALSE(ev.results[11].ran);
  CHECK_THROWS_AS(ev.results[999].get(), std::logic_error);
  // Four threads: the others finish what they hold, then take nothing more.
  o.threads = 4;
  auto slow = evaluate(
      g,
      [](const Point& p) {
        if (p.get<int>("i") == 10) throw std::runtime_error("stop");
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return 1;
      },
      o);
  CHECK(slow.stats.failed == 1);
  CHECK(slow.stats.not_run() >
        900);  // loose: the slow calls cannot outrun the stop
}

TEST_CASE("a cancellation token stops a running evaluation cleanly") {
  Grid g = Grid{}.range("i", 0, 1000000);
  CancellationToken token;
  std::atomic<int> calls{0};
  EvaluateOptions o;
  o.threads = 4;
  o.cancel = &token;
  o.keep_results = false;
  int progress_calls = 0;
  o.on_progress = [&](const ProgressCounts& c) {
    ++progress_calls;
    CHECK(c.total == 1000001);
  };
  auto ev = evaluate(
      g,
      [&](const Point&) {
        if (++calls == 500) token.cancel();
      },
      o);
  CHECK(calls >= 500);
  CHECK(calls < 1000);
  CHECK(ev.stats.succeeded == static_cast<std::uint64_t>(calls.load()));
  CHECK(ev.stats.not_run() ==
        1000001 - static_cast<std::uint64_t>(calls.load()));
  CHECK(progress_calls == calls.load());
  CHECK(ev.results.empty());
}

TEST_CASE("results stream through a callback as they finish") {
  Grid g = Grid{}.axis("x", {"a", "b", "c"});
  std::vector<std::string> seen;
  EvaluateOptions o;
  o.threads = 3;
  o.on_result = [&](const Point& p, bool ok, const std::string&) {
    CHECK(ok);
    seen.push_back(p.get<std::string>("x"));
  };
  evaluate(
      g, [](const Point&) {}, o);
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("Pool runs a callable once in each thread, like Parallelize") {
  Pool pool(4);
  auto results = pool.run_each(
      [](std::size_t t) { return std::string("Bar") + std::to_string(t); });
  REQUIRE(results.size() == 4);
  for (std::size_t t = 0; t < 4; ++t)
    CHECK(results[t].get() == "Bar" + std::to_string(t));
  std::set<std::thread::id> ids;
  std::mutex mu;
  pool.run_each([&](std::size_t) {
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
  });
  CHECK(ids.size() == 4);
}

TEST_CASE("Pool runs a batch of tasks and reports each as it completes") {
  Pool pool(3);
  std::vector<std::function<int()>> tasks;
  for (int i = 0; i < 20; ++i)
    tasks.push_back([i]() -> int {
      if (i == 7) throw std::runtime_error("seven");
      return i * i;
    });
  std::vector<std::size_t> done;
  auto results = pool.run_all<int>(
      tasks, [&](std::size_t i, const Outcome<int>&) { done.push_back(i); });
  CHECK(done.size() == 20);
  CHECK(results[4].get() == 16);
  CHECK_FALSE(results[7].ok());
  CHECK(results[7].message == "seven");
}

TEST_SUITE_END();
