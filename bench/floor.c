/* The physical limit for a job runner: N jobs, K at a time, posix_spawn,
 * one stdout pipe per child read to EOF with poll and copied to our stdout.
 * With -r, children inherit stdout and are only reaped (no pipes at all).
 * No grid, no templates, no records: nothing a runner can do is cheaper.
 *
 *   floor [-r] -n N -j K -- COMMAND [ARG]...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what) {
  perror(what);
  exit(2);
}

int main(int argc, char **argv) {
  long n = 0, k = 1;
  int reap_only = 0, i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; ++i) {
    if (!strcmp(argv[i], "-r")) reap_only = 1;
    else if (!strcmp(argv[i], "-n") && i + 1 < argc) n = atol(argv[++i]);
    else if (!strcmp(argv[i], "-j") && i + 1 < argc) k = atol(argv[++i]);
  }
  if (i >= argc - 1 || n <= 0 || k <= 0) {
    fprintf(stderr, "usage: floor [-r] -n N -j K -- COMMAND [ARG]...\n");
    return 2;
  }
  char **cmd = argv + i + 1;
  struct pollfd *fds = calloc(k, sizeof *fds);
  pid_t *pids = calloc(k, sizeof *pids);
  static char buf[1 << 16];
  long started = 0, running = 0;
  for (long s = 0; s < k; ++s) fds[s].fd = -1;
  while (started < n || running > 0) {
    for (long s = 0; s < k && started < n; ++s) {
      if (pids[s]) continue;
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      int p[2] = {-1, -1};
      if (!reap_only) {
        if (pipe2(p, O_CLOEXEC) != 0) die("pipe2");
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
      }
      if (posix_spawnp(&pids[s], cmd[0], &fa, NULL, cmd, environ) != 0) die("posix_spawnp");
      posix_spawn_file_actions_destroy(&fa);
      if (!reap_only) {
        close(p[1]);
        fds[s].fd = p[0];
        fds[s].events = POLLIN;
      }
      ++started;
      ++running;
    }
    if (reap_only) {
      pid_t pid = wait(NULL);
      for (long s = 0; s < k; ++s)
        if (pids[s] == pid) pids[s] = 0;
      --running;
      continue;
    }
    if (poll(fds, k, -1) < 0 && errno != EINTR) die("poll");
    for (long s = 0; s < k; ++s) {
      if (fds[s].fd < 0 || !fds[s].revents) continue;
      ssize_t r = read(fds[s].fd, buf, sizeof buf);
      if (r > 0) {
        for (ssize_t w = 0; w < r;) {
          ssize_t m = write(1, buf + w, r - w);
          if (m < 0) die("write");
          w += m;
        }
        continue;
      }
      close(fds[s].fd);
      fds[s].fd = -1;
      waitpid(pids[s], NULL, 0);
      pids[s] = 0;
      --running;
    }
  }
  return 0;
}
