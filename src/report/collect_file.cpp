// A large stream is collected by a few threads at once: each reads the
// whole file, skips the records of other threads' groups after their head
// (job and params), and collects its own; the shares then merge into the
// dataset one collector would have made (report/collect.hpp).
#include <sched.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <thread>

#include "report/collect.hpp"

namespace sweep::report {

namespace {

// Of several threads' failures, the one to report: a line that is not a
// record sends the collection to one thread (SharedGroup), which meets it
// or, first, a job's second end whose line the shares cannot tell (its two
// ends may be in two shares); else any error but a second end (reading the
// file failed); else the first second end (the caller then merges).
void rethrow_first(const std::vector<std::exception_ptr>& errors) {
  std::exception_ptr first;
  std::uint64_t first_line = UINT64_MAX;
  for (const std::exception_ptr& e : errors) {
    if (!e) continue;
    std::uint64_t line = 0;
    try {
      std::rethrow_exception(e);
    } catch (const RecordError&) {
      throw SharedGroup{};
    } catch (const JobEndedTwice& twice) {
      line = twice.line;
    } catch (...) {
    }
    if (!first || line < first_line) {
      first = e;
      first_line = line;
    }
  }
  if (first) std::rethrow_exception(first);
}

Dataset collect_shared(const std::string& path, const CollectOptions& options,
                       unsigned threads) {
  std::vector<Collector> shares;
  shares.reserve(threads);
  for (unsigned k = 0; k < threads; ++k)
    shares.emplace_back(options, CollectShare{k, threads});
  std::vector<std::exception_ptr> errors(threads);
  {
    std::vector<std::jthread> workers;
    for (unsigned k = 0; k < threads; ++k)
      workers.emplace_back([&, k] {
        Collector& c = shares[k];
        try {
          read_records(
              path, Collector::kFields,
              [&](const Record& r, std::string_view) { c.add(r); }, &c);
        } catch (...) {
          errors[k] = std::current_exception();
        }
      });
  }
  rethrow_first(errors);
  return Collector::finish(shares);
}

}  // namespace

Dataset collect_file(const std::string& path, const CollectOptions& options,
                     unsigned threads) {
  if (threads > 1) {
    try {
      return collect_shared(path, options, threads);
    } catch (const SharedGroup&) {  // two runs in one stream, a bad line
    }
  }
  Collector c(options);
  read_records(path, Collector::kFields,
               [&](const Record& r, std::string_view) { c.add(r); });
  return c.finish();
}

unsigned collect_threads(std::uint64_t bytes) {
  // Below this a thread's start and the merge cost more than they save.
  constexpr std::uint64_t kShared = 16 << 20;
  if (bytes < kShared) return 1;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  int n = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
  return static_cast<unsigned>(std::clamp(n, 1, 4));
}

}  // namespace sweep::report
