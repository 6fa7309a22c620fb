/* Writes benchmark data fast, so generating it never dominates a case.
 *   gen lines BYTES       short metric lines ("depth=3 acc=0.91") to stdout
 *   gen text BYTES        varied text lines to stdout
 *   gen csv BYTES         CSV with a header and quoted fields holding commas,
 *                         doubled quotes and newlines, to stdout
 *   gen stream JOBS FIRST a result stream of jobs FIRST.. FIRST+JOBS-1: one
 *                         line record and one end record each, as sweep
 *                         writes them, to stdout
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int stream(long long jobs, long long first) {
  static char out[1 << 16];
  size_t used = 0;
  char rec[512];
  for (long long j = first; j < first + jobs; ++j) {
    int n = snprintf(rec, sizeof rec,
                     "{\"job\":%lld,\"params\":{\"lr\":0.%03lld,\"depth\":%lld},"
                     "\"line\":\"epoch 9 loss=0.%04lld\"}\n"
                     "{\"job\":%lld,\"params\":{\"lr\":0.%03lld,\"depth\":%lld},"
                     "\"exit\":0,\"duration_s\":1.25,\"cpu_user_s\":1.1,"
                     "\"cpu_sys_s\":0.05,\"max_rss_kb\":20480}\n",
                     j, j % 1000 + 1, j / 1000, j % 9973, j, j % 1000 + 1, j / 1000);
    if (used + n > sizeof out) {
      fwrite(out, 1, used, stdout);
      used = 0;
    }
    memcpy(out + used, rec, n);
    used += n;
  }
  fwrite(out, 1, used, stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "stream"))
    return stream(atoll(argv[2]), atoll(argv[3]));
  if (argc != 3) {
    fprintf(stderr, "usage: gen lines|text|csv BYTES | gen stream JOBS FIRST\n");
    return 2;
  }
  long long bytes = atoll(argv[2]), done = 0, i = 0;
  static char out[1 << 16];
  size_t used = 0;
  char line[256];
  if (!strcmp(argv[1], "csv")) done += printf("id,name,comment,score\n");
  while (done < bytes) {
    int n;
    if (!strcmp(argv[1], "lines"))
      n = snprintf(line, sizeof line, "depth=3 acc=0.91\n");
    else if (!strcmp(argv[1], "text"))
      n = snprintf(line, sizeof line, "record %lld: the quick brown fox %lld\n", i, i * 7919 % 1000);
    else
      n = snprintf(line, sizeof line, "%lld,\"name, %lld\",\"said \"\"hi\"\"\nthen left\",%lld.%02lld\n",
                   i, i % 977, i % 100, i % 97);
    if (used + n > sizeof out) {
      fwrite(out, 1, used, stdout);
      used = 0;
    }
    memcpy(out + used, line, n);
    used += n;
    done += n;
    ++i;
  }
  fwrite(out, 1, used, stdout);
  return 0;
}
