// Writes a journal of N succeeded records for the grid `-p i=0..N-1`, with
// the keys sweep computes, so `sweep run --resume` can be timed on it.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/job_key.hpp"
#include "core/record_writer.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sweep-bench-journal N > journal.jsonl\n");
    return 2;
  }
  long n = std::atol(argv[1]);
  std::string buf;
  for (long i = 0; i < n; ++i) {
    sweep::Value v = static_cast<std::int64_t>(i);
    sweep::JobKey key = sweep::job_key({{"i", &v}}, 0);
    std::string params = "{\"i\":" + std::to_string(i) + "}";
    sweep::JobResult r;
    r.duration_s = 0.001;
    r.max_rss_kb = 1000;
    sweep::append_journal_record(
        buf, key,
        sweep::RecordHead{static_cast<std::uint64_t>(i), params, 0, 1, {}}, r,
        "2026-11-25T00:00:00.000Z");
    if (buf.size() > (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), stdout);
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), stdout);
  return 0;
}
