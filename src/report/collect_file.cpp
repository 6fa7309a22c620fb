// A large stream is collected by two threads at once: one reads the file
// and splits its lines into their fields, a few blocks ahead, while the
// caller's thread collects the records in order (read_records), so the
// result is the one collector's, whatever the stream holds.
#include <sched.h>

#include <cstdint>

#include "report/collect.hpp"

namespace sweep::report {

Dataset collect_file(const std::string& path, const CollectOptions& options,
                     unsigned threads) {
  Collector c(options);
  ReadOptions how;
  how.threads = threads;
  read_records(
      path, Collector::kFields,
      [&](const Record& r, std::string_view) { c.add(r); }, how);
  return c.finish();
}

unsigned collect_threads(std::uint64_t bytes) {
  // Below this a thread's start costs more than it saves.
  constexpr std::uint64_t kShared = 16 << 20;
  if (bytes < kShared) return 1;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  int n = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
  return n > 1 ? 2 : 1;
}

}  // namespace sweep::report
