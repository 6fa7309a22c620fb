#pragma once

// In-process evaluation over a grid: the original Parallelize and
// ModelEvaluator, on the same Grid and Stats types as the command line.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "sweep/grid.hpp"
#include "sweep/stats.hpp"

namespace sweep {

/// Lets another thread stop an evaluation: points not yet started are skipped;
/// running calls finish.
class CancellationToken {
 public:
  /// Asks the evaluation to stop.
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  /// True once cancel() was called.
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

/// What one call of the function gave: its value, or the exception it threw.
template <class R>
struct Outcome {
  std::optional<R> value;    ///< Set when the call returned.
  std::exception_ptr error;  ///< Set when the call threw.
  std::string message;       ///< what() of the exception, if it had one.
  double duration_s = 0;     ///< Time the call took.
  bool ran = false;          ///< False for points skipped (stop or cancel).
  /// True if the call returned normally.
  bool ok() const { return ran && !error; }
  /// The value; rethrows the call's exception, throws std::logic_error if the
  /// point never ran.
  const R& get() const {
    if (error) std::rethrow_exception(error);
    if (!value) throw std::logic_error("sweep: this point was not evaluated");
    return *value;
  }
};

/// Options of evaluate() and Pool.
struct EvaluateOptions {
  std::size_t threads = 0;       ///< 0: the number of hardware threads.
  bool stop_on_failure = false;  ///< Start no new call after an exception.
  bool keep_results = true;      ///< False: only stream through on_result.
  const CancellationToken* cancel = nullptr;
  /// Called as each point finishes (one call at a time, any order).
  std::function<void(const Point&, bool ok, const std::string& error)>
      on_result;
  /// Called after each finished point with the counts so far.
  std::function<void(const ProgressCounts&)> on_progress;
};

/// The results of an evaluation, in point order, and its statistics.
template <class R>
struct Evaluation {
  std::vector<Outcome<R>> results;  ///< One per point, in grid order.
  StatsSummary stats;               ///< Same figures as the CLI's report.
  /// The statistics report as the CLI prints it.
  std::string report() const { return format_report(stats); }
};

namespace detail {

/// Runs body(i) for i in [0, n) on `threads` threads, each taking the next
/// index as it becomes free (dynamic scheduling). Stops handing out indices
/// once stop() is true.
void parallel_for(std::uint64_t n, std::size_t threads,
                  const std::function<bool()>& stop,
                  const std::function<void(std::uint64_t)>& body);

/// The thread count to use for `requested` (0: hardware threads).
std::size_t thread_count(std::size_t requested);

/// Runs f, timing it and capturing any exception into the outcome.
template <class R, class F>
void call_into(Outcome<R>& out, F&& f) {
  auto start = std::chrono::steady_clock::now();
  out.ran = true;
  try {
    if constexpr (std::is_same_v<R, std::monostate>) {
      f();
      out.value = std::monostate{};
    } else {
      out.value = f();
    }
  } catch (const std::exception& e) {
    out.error = std::current_exception();
    out.message = e.what();
  } catch (...) {
    out.error = std::current_exception();
    out.message = "unknown exception";
  }
  out.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
}

template <class F, class... A>
using result_of_t =
    std::conditional_t<std::is_void_v<std::invoke_result_t<F, A...>>,
                       std::monostate, std::invoke_result_t<F, A...>>;

}  // namespace detail

/// Calls fn(const Point&) for every point of the grid on N threads (dynamic
/// scheduling) and returns the results in point order with statistics. An
/// exception thrown by fn is captured for its point, never escapes. A
/// function returning void gives Outcome<std::monostate>.
template <class Fn>
auto evaluate(const Grid& grid, Fn&& fn, const EvaluateOptions& options = {})
    -> Evaluation<detail::result_of_t<Fn, const Point&>> {
  using R = detail::result_of_t<Fn, const Point&>;
  const std::uint64_t n =
      grid.size();  // also builds the grid's index before threads read it
  std::size_t threads = detail::thread_count(options.threads);
  Evaluation<R> ev;
  if (options.keep_results) ev.results.resize(n);
  Stats stats(n, n,
              static_cast<std::size_t>(std::min<std::uint64_t>(
                  threads, std::max<std::uint64_t>(n, 1))));
  std::mutex mu;
  std::atomic<bool> failed{false};
  ProgressCounts counts;
  counts.total = n;
  auto begin = std::chrono::steady_clock::now();
  auto stop = [&] {
    return (options.cancel && options.cancel->cancelled()) ||
           (options.stop_on_failure && failed.load(std::memory_order_relaxed));
  };
  detail::parallel_for(n, threads, stop, [&](std::uint64_t i) {
    Point p = grid.point(i);
    Outcome<R> local;
    Outcome<R>& out = options.keep_results ? ev.results[i] : local;
    {
      std::lock_guard<std::mutex> lock(mu);
      stats.started();
      ++counts.running;
    }
    detail::call_into(out, [&] { return fn(static_cast<const Point&>(p)); });
    if (out.error) failed.store(true, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu);
    JobResult r;
    r.exit_code = out.error ? 1 : 0;
    r.duration_s = out.duration_s;
    r.error = out.message;
    stats.finished(r);
    --counts.running;
    ++counts.done;
    counts.failed += out.error ? 1 : 0;
    counts.elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
            .count();
    if (options.on_result) options.on_result(p, !out.error, out.message);
    if (options.on_progress) options.on_progress(counts);
  });
  double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  ev.stats = stats.summary(wall, 0, options.stop_on_failure && failed.load());
  return ev;
}

/// Runs callables on a fixed number of threads, as the original Parallelize.
class Pool {
 public:
  /// A pool of `threads` threads (0: the number of hardware threads).
  explicit Pool(std::size_t threads = 0)
      : threads_(detail::thread_count(threads)) {}
  /// Number of threads.
  std::size_t size() const { return threads_; }

  /// Calls fn(thread_index) once in each of size() threads, each call on a
  /// thread of its own; results by thread index.
  template <class Fn>
  auto run_each(Fn&& fn)
      -> std::vector<Outcome<detail::result_of_t<Fn, std::size_t>>> {
    using R = detail::result_of_t<Fn, std::size_t>;
    std::vector<Outcome<R>> out(threads_);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < threads_; ++i)
      threads.emplace_back(
          [&, i] { detail::call_into(out[i], [&] { return fn(i); }); });
    for (auto& t : threads) t.join();
    return out;
  }

  /// Runs every task, at most size() at once; results in task order.
  /// on_done(index, outcome) is called as each completes (one at a time).
  template <class R>
  std::vector<Outcome<R>> run_all(
      const std::vector<std::function<R()>>& tasks,
      const std::function<void(std::size_t, const Outcome<R>&)>& on_done = {}) {
    std::vector<Outcome<R>> out(tasks.size());
    std::mutex mu;
    detail::parallel_for(
        tasks.size(), threads_, [] { return false; },
        [&](std::uint64_t i) {
          detail::call_into(out[i], [&] { return tasks[i](); });
          if (on_done) {
            std::lock_guard<std::mutex> lock(mu);
            on_done(i, out[i]);
          }
        });
    return out;
  }

 private:
  std::size_t threads_;
};

}  // namespace sweep
