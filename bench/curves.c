/* A synthetic training program with known learning curves, for the
 * metric-driven bench case (pruning, successive halving): its accuracy is a
 * closed-form function of its parameters plus seeded noise, so the right
 * answer of a sweep over it is known without running it.
 *
 *   curves --lr X --depth D --epochs E [--seed S] [--sleep-ms M] [--sigma SD]
 *       for e = 1..E: sleep M ms (default 20), print "epoch=<e> acc=<v>"
 *   curves --true-best --lr X,Y,... --depth A,B,... --epochs E
 *       print the grid's best noiseless final accuracy and the runner-up's
 *
 * The curve, with u = log10(lr):
 *   acc(e)  = amax * (1 - exp(-e / tau)) + sigma * N(0, 1)
 *   amax    = max(0.05, 0.95 - 0.06 (u + 2.5)^2 - 0.012 (depth - 6)^2)
 *   tau     = 0.6 when lr > 10^-0.8 (too high a rate: fast start, low
 *             plateau), else 2 * 10^(0.35 |u + 2.5|) * (1 + 0.08 |depth - 6|)
 * so the best is near lr = 10^-2.5, depth = 6, points far from it learn
 * slowly and plateau low, and lr >= 0.3 starts fast and plateaus lower.
 * The noise is a function of (seed, lr, depth, epoch) only: a run to E
 * epochs prints the same first values as a run to more, as a real
 * training run restarted from scratch would (up to its own noise).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double amax_of(double lr, double depth) {
  double u = log10(lr);
  double a = 0.95 - 0.06 * (u + 2.5) * (u + 2.5) - 0.012 * (depth - 6) * (depth - 6);
  return a < 0.05 ? 0.05 : a;
}

static double tau_of(double lr, double depth) {
  double u = log10(lr);
  if (u > -0.8) return 0.6;
  return 2.0 * pow(10, 0.35 * fabs(u + 2.5)) * (1 + 0.08 * fabs(depth - 6));
}

static double clean_acc(double lr, double depth, double e) {
  return amax_of(lr, depth) * (1 - exp(-e / tau_of(lr, depth)));
}

static uint64_t mix(uint64_t x) { /* splitmix64's finaliser */
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static uint64_t bits(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

/* A standard normal deviate fixed by (seed, lr, depth, epoch): Box-Muller. */
static double noise(uint64_t seed, double lr, double depth, long e) {
  uint64_t h = mix(mix(mix(mix(seed) ^ bits(lr)) ^ bits(depth)) ^ (uint64_t)e);
  double u1 = ((h >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
  double u2 = (mix(h) >> 11) / 9007199254740992.0;
  return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static double number(const char *flag, const char *text) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || end == text || *end) {
    fprintf(stderr, "curves: %s: not a number: '%s'\n", flag, text);
    exit(2);
  }
  return v;
}

/* Parses a comma-separated list into out (at most cap numbers). */
static int list(const char *flag, const char *text, double *out, int cap) {
  char buf[4096];
  int n = 0;
  snprintf(buf, sizeof buf, "%s", text);
  for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (n == cap) {
      fprintf(stderr, "curves: %s: more than %d values\n", flag, cap);
      exit(2);
    }
    out[n++] = number(flag, tok);
  }
  return n;
}

/* The best and the runner-up of a grid by noiseless accuracy at `epochs`. */
static int true_best(const char *lrs, const char *depths, double epochs) {
  double l[256], d[256], best = -1, second = -1, bl = 0, bd = 0;
  int nl = list("--lr", lrs, l, 256), nd = list("--depth", depths, d, 256);
  for (int i = 0; i < nl; ++i)
    for (int j = 0; j < nd; ++j) {
      double a = clean_acc(l[i], d[j], epochs);
      if (a > best) {
        second = best, best = a, bl = l[i], bd = d[j];
      } else if (a > second) {
        second = a;
      }
    }
  printf("lr=%g depth=%g acc=%.6f second=%.6f\n", bl, bd, best, second);
  return 0;
}

int main(int argc, char **argv) {
  const char *lr = NULL, *depth = NULL;
  double epochs = 0, sigma = 0.003;
  long seed = 1, sleep_ms = 20;
  int best_mode = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--true-best")) {
      best_mode = 1;
      continue;
    }
    if (!v) {
      lr = NULL; /* a flag without its value: usage */
      break;
    }
    if (!strcmp(a, "--lr")) lr = v;
    else if (!strcmp(a, "--depth")) depth = v;
    else if (!strcmp(a, "--epochs")) epochs = number(a, v);
    else if (!strcmp(a, "--seed")) seed = (long)number(a, v);
    else if (!strcmp(a, "--sleep-ms")) sleep_ms = (long)number(a, v);
    else if (!strcmp(a, "--sigma")) sigma = number(a, v);
    else {
      fprintf(stderr, "curves: unknown argument '%s'\n", a);
      return 2;
    }
    ++i;
  }
  if (!lr || !depth || epochs < 1) {
    fprintf(stderr, "usage: curves --lr X --depth D --epochs E [--seed S] [--sleep-ms M] [--sigma SD]\n"
                    "       curves --true-best --lr X,Y,... --depth A,B,... --epochs E\n");
    return 2;
  }
  if (best_mode) return true_best(lr, depth, epochs);
  double l = number("--lr", lr), d = number("--depth", depth);
  if (l <= 0) {
    fprintf(stderr, "curves: --lr must be positive\n");
    return 2;
  }
  struct timespec pause = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
  for (long e = 1; e <= (long)epochs; ++e) {
    if (sleep_ms > 0) nanosleep(&pause, NULL);
    double acc = clean_acc(l, d, (double)e) + sigma * noise((uint64_t)seed, l, d, e);
    printf("epoch=%ld acc=%.6f\n", e, acc);
    fflush(stdout);
  }
  return 0;
}
