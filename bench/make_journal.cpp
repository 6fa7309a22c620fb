// Writes a journal of N succeeded records for the grid `-p i=0..N-1`, with
// the keys sweep computes, so `sweep run --resume` can be timed on it.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sweep/journal.hpp"

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
    buf += "{\"key\":\"" + key.hex() +
           "\",\"ok\":true,\"job\":" + std::to_string(i) +
           ",\"params\":{\"i\":" + std::to_string(i) +
           "},\"rep\":0,\"attempts\":1,\"exit\":0,\"duration_s\":0.001,\"cpu_"
           "user_s\":0,"
           "\"cpu_sys_s\":0,\"max_rss_kb\":1000,\"time\":\"2026-11-25T00:00:00."
           "000Z\"}\n";
    if (buf.size() > (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), stdout);
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), stdout);
  return 0;
}
