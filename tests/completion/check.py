#!/usr/bin/env python3
"""`sweep completion SHELL` in the real shell.

bash and zsh are started interactively on a pseudo-terminal with the script
loaded; a line is typed ending in TAB and the screen must then show the
expected words (none of which is in the typed text, so the echo cannot pass
the test). fish answers `complete -C LINE`, what its TAB key runs.

usage: check.py SWEEP bash|zsh|fish
"""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

SWEEP = os.path.abspath(sys.argv[1])
SHELL = sys.argv[2]
TIMEOUT = 30  # seconds per line: only a bound against a hang

# (typed line, words the completion must show[, words it must not show])
CASES = [
    ("sweep rep", ["report"]),
    ("sweep run --ti", ["--timeout"]),
    ("sweep run --format ", ["jsonl", "text"]),
    ("sweep report runs --format ", ["latex", "table"]),
    ("sweep batchify --by ", ["records", "bytes"]),
    ("sweep completion ", ["bash", "zsh", "fish"]),
    ("sweep grid --desc", ["--describe"]),
    ("sweep run --journal jour", ["journal-7f3a.jsonl"]),
    # Directories only: a file by the same prefix is not offered.
    ("sweep run --run-dir run", ["rundir-b2c4"], ["run-notes-5d.txt"]),
    ("sweep run grid-e9.json -p lea", ["learning_rate="]),
    ("sweep grid grid-e9.json -p ", ["learning_rate", "batch_size"]),
]

ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")


def setup_dir():
    d = tempfile.mkdtemp(prefix="sweep-completion-")
    with open(os.path.join(d, "grid-e9.json"), "w") as f:
        f.write('{"learning_rate": [0.1, 0.01], "batch_size": [32, 64]}\n')
    open(os.path.join(d, "journal-7f3a.jsonl"), "w").close()
    os.mkdir(os.path.join(d, "rundir-b2c4"))
    open(os.path.join(d, "run-notes-5d.txt"), "w").close()
    return d


def environment(d):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASH_")}
    env.update(PATH=os.path.dirname(SWEEP) + ":" + env.get("PATH", "/usr/bin:/bin"),
               HOME=d, ZDOTDIR=d, INPUTRC="/dev/null", TERM="xterm",
               XDG_CONFIG_HOME=d, XDG_DATA_HOME=d, PS1="$ ", PROMPT="$ ")
    return env


class Terminal:
    """An interactive shell on a pseudo-terminal, read until a word shows."""

    def __init__(self, argv, env, cwd):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.seen = b""

    def type(self, text):
        os.write(self.fd, text.encode())

    def wait_for(self, words):
        """True once every word was shown after the last mark."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            screen = ANSI.sub(b"", self.seen).decode(errors="replace")
            if all(w in screen for w in words):
                return True
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.fd, 65536)
                except OSError:
                    return False
        return False

    def shows_any(self, forbid):
        """True if a forbidden word shows within a moment after the rest."""
        if not forbid or not forbid[0]:
            return False
        time.sleep(0.5)
        while select.select([self.fd], [], [], 0.1)[0]:
            self.seen += os.read(self.fd, 65536)
        screen = ANSI.sub(b"", self.seen).decode(errors="replace")
        return any(w in screen for w in forbid[0])

    def mark(self, n):
        """Runs `echo` of a token the typed text does not contain, then
        forgets the screen so far."""
        self.type("\x15\x0b")  # clear the line (^U), and after the cursor (^K)
        self.type("echo mark-$((%d+1))\n" % n)
        ok = self.wait_for(["mark-%d" % (n + 1)])
        self.seen = b""
        return ok

    def close(self):
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


# A command that prints how `sweep` is completed, and what it must print
# (built so that the typed command does not contain it).
REGISTERED = {
    "bash": ("complete -p sweep | tr _ :", "-F :sweep sweep"),
    "zsh": ("print -r -- ${_comps[sweep]/_/:}", ":sweep"),
}

SETUP = {
    "bash": (["bash", "--norc", "--noprofile", "-i"], [
        "source <(sweep completion bash)",
        # One TAB lists every match; no pager.
        "bind 'set show-all-if-ambiguous on'",
        "bind 'set completion-query-items 0'",
        "bind 'set page-completions off'",
    ]),
    "zsh": (["zsh", "-f", "-i"], [
        "autoload -U compinit && compinit -u -D",
        "source <(sweep completion zsh)",
        "LISTMAX=0; zstyle ':completion:*' list-prompt ''",
    ]),
}


def check_interactive(d):
    argv, setup = SETUP[SHELL]
    term = Terminal(argv, environment(d), d)
    failures = 0
    try:
        for line in setup:
            term.type(line + "\n")
        if not term.mark(0):
            print("%s: the shell did not start: %r" % (SHELL, term.seen[-2000:]))
            return 1
        # The generated function is what completes `sweep` (a shell's own
        # file name completion would pass some cases without it).
        term.type(REGISTERED[SHELL][0] + "\n")
        if not term.wait_for([REGISTERED[SHELL][1]]):
            print("%s: the completion of sweep is not _sweep" % SHELL)
            return 1
        for i, (typed, words, *forbid) in enumerate(CASES, 1):
            term.type(typed + "\t")
            if term.wait_for(words) and not term.shows_any(forbid):
                print("ok: %s %r<TAB> shows %s" % (SHELL, typed, words))
            else:
                failures += 1
                screen = ANSI.sub(b"", term.seen).decode(errors="replace")
                print("FAIL: %s %r<TAB> should show %s; screen:\n%s" %
                      (SHELL, typed, words, screen[-2000:]))
            if not term.mark(i):
                print("%s: the shell stopped answering" % SHELL)
                return failures + 1
    finally:
        term.close()
    return failures


def check_fish(d):
    script = subprocess.run([SWEEP, "completion", "fish"], check=True,
                            capture_output=True, text=True).stdout
    path = os.path.join(d, "sweep.fish")
    with open(path, "w") as f:
        f.write(script)
    failures = 0
    for typed, words, *forbid in CASES:
        out = subprocess.run(
            ["fish", "--no-config", "-c", "source $argv[1]; complete -C $argv[2]",
             path, typed],
            cwd=d, env=environment(d), capture_output=True, text=True,
            timeout=TIMEOUT)
        shown = [l.split("\t")[0] for l in out.stdout.splitlines()]
        # fish shows a directory with its '/', a parameter with its '='.
        if out.returncode == 0 and all(
                any(s == w or s == w + "/" or s == w + "=" for s in shown)
                for w in words) and not set(forbid[0] if forbid else []) & {
                    s.rstrip("/=") for s in shown}:
            print("ok: fish %r<TAB> shows %s" % (typed, words))
        else:
            failures += 1
            print("FAIL: fish %r<TAB> should show %s; got %s %s" %
                  (typed, words, shown, out.stderr))
    return failures


def main():
    if shutil.which(SHELL) is None:
        print("%s is not installed (make test installs it)" % SHELL)
        return 1
    d = setup_dir()
    try:
        failures = check_fish(d) if SHELL == "fish" else check_interactive(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("%s completion: %d of %d cases failed" % (SHELL, failures, len(CASES)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
