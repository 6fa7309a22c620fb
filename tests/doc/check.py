#!/usr/bin/env python3
"""The doc test: every command example in README.md, docs/*.md and each
subcommand's --help parses in bash and POSIX sh (dash), and zsh when it is
installed; those that can run here run, in a scratch directory of their own
with the example program and configs the repository ships; shown output is
compared with what the tool prints today. Marking: see examples.py.

usage: check.py --sweep BIN --train BIN --source DIR [--doc FILE]... [--no-help]
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import examples

# Help examples that cannot run here, each with the reason. An entry that
# matches no example is itself an error, so the list cannot go stale.
HELP_PARSE_ONLY = {
    "sweep run -p part=@parts.txt -- ./process '<part>'":
        "needs the user's ./process",
    "sweep merge runs/exp1 > results.jsonl": "needs a Slurm run directory",
    "sweep merge artifacts/shard-*.jsonl -o all.jsonl   # from a CI matrix":
        "needs CI artifacts",
    "sweep report results.jsonl --metric acc:max": "needs the user's results",
    "sweep report runs/exp1 --metric loss:min --over seed --top 10 -o best.md":
        "needs the user's run directory",
    "sweep report base.jsonl new.jsonl --label base --label new --metric acc:max":
        "needs two of the user's runs",
    "sweep completion fish > ~/.config/fish/completions/sweep.fish":
        "writes into the user's fish configuration",
}

# `<name>` outside quotes: the shell reads `<` and `>` as redirections.
PLACEHOLDER = re.compile(r"(?<!\\)<[A-Za-z_@][\w.@:-]*>")
QUOTED = re.compile(r"'[^']*'|\"(?:\\.|[^\"\\])*\"|\\.")

# Figures that differ from run to run: durations, rates, memory, shares.
TIMING = re.compile(
    r"\d+(?:\.\d+)?(?:e-?\d+)?\s?(?:ms|us|µs|s|MiB|KiB|GiB|jobs/s|%)(?![\w])"
    r"|\b\d+h\d+m\b|\b\d+m\d+s\b")
SECONDS = 120  # per command

# CLI11's own type names, and its validators' (`N:POSITIVE`): words a user
# should not have to decode in --help.
CLI11_TYPE = re.compile(r"^(?:TEXT|INT|UINT|FLOAT|BOOLEAN|ENUM)$|:\w")
# An option or positional line of --help, and the type name after its name.
OPTION_LINE = re.compile(r"^  (?:-[\w,-]+|[A-Z]+) (\S+)")


def unquoted_placeholders(command):
    """The placeholders a shell would take for redirections."""
    return PLACEHOLDER.findall(QUOTED.sub("", command))


def shells():
    """The shells every example must parse in (zsh only if installed)."""
    found = [("bash", ["bash", "-n"]), ("sh", ["sh", "-n"])]
    if shutil.which("zsh"):
        found.append(("zsh", ["zsh", "-n"]))
    return found


def parse_errors(command):
    """One message per shell that cannot parse the command."""
    errors = []
    for name, argv in shells():
        p = subprocess.run(argv, input=command, text=True,
                           capture_output=True)
        if p.returncode != 0:
            errors.append(f"does not parse in {name}: "
                          + p.stderr.strip().replace("\n", "; "))
    return errors


def normalise(lines):
    """Lines with timing figures replaced and trailing blanks removed."""
    out = [TIMING.sub("#", l.rstrip()) for l in lines]
    while out and not out[-1]:
        out.pop()
    return out


def make_fixtures(root, source, sweep, train):
    """The scratch template: configs/, the example program as ./train (and
    build/sweep-example-train) and grid.json, and the small data files the examples name."""
    bindir = os.path.join(root, "bin")
    os.makedirs(bindir)
    os.symlink(os.path.abspath(sweep), os.path.join(bindir, "sweep"))
    tpl = os.path.join(root, "template")
    shutil.copytree(os.path.join(source, "configs"),
                    os.path.join(tpl, "configs"))
    shutil.copy(os.path.join(source, "configs", "example.json"),
                os.path.join(tpl, "grid.json"))
    os.symlink(os.path.abspath(train), os.path.join(tpl, "train"))
    # Where a checkout's `make` puts it, as README's examples name it.
    os.makedirs(os.path.join(tpl, "build"))
    os.symlink(os.path.abspath(train),
               os.path.join(tpl, "build", "sweep-example-train"))
    files = {
        "data.json": json.dumps({"colors": list(range(100)),
                                 "variations": ["a", "b"]}),
        "data.csv": "id,text\n" + "".join(f"{i},row {i}\n"
                                          for i in range(20)),
        "log.jsonl": "".join(f'{{"n": {i}}}\n' for i in range(2500)),
        "big.txt": "".join(f"line {i}\n" for i in range(1000)),
        "a.json": "[1,2]\n[3,4]\n",
    }
    for name, text in files.items():
        with open(os.path.join(tpl, name), "w") as f:
            f.write(text)
    return bindir, tpl


class Checker:
    """Checks blocks, collecting failures as `source:line: message`."""

    def __init__(self, root, bindir, template):
        self.root, self.template = root, template
        self.env = dict(os.environ, NO_COLOR="1",
                        PATH=bindir + os.pathsep + os.environ["PATH"])
        self.failures = []
        self.counts = {"parsed": 0, "run": 0, "compared": 0}

    def fail(self, where, message):
        self.failures.append(f"{where}: {message}")

    def check(self, block, blocks_seen):
        self.failures.extend(block.problems)
        for cmd in block.commands:
            where = f"{block.source}:{cmd.line}"
            for p in unquoted_placeholders(cmd.text):
                self.fail(where, f"unquoted placeholder {p} (write '{p}')")
            for e in parse_errors(cmd.text):
                self.fail(where, e)
            self.counts["parsed"] += 1
        if block.mode in ("run", "check-output", "output-of", "json-shape-of"):
            self.run_block(block, blocks_seen)

    def run_block(self, block, n):
        """Runs a block's commands in order in a fresh scratch directory."""
        cwd = os.path.join(self.root, f"block-{n}")
        shutil.copytree(self.template, cwd, symlinks=True)
        for cmd in block.commands:
            where = f"{block.source}:{cmd.line}"
            try:
                p = subprocess.run(["bash", "-c", cmd.text], cwd=cwd,
                                   env=self.env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True,
                                   timeout=SECONDS)
            except subprocess.TimeoutExpired:
                self.fail(where, f"still running after {SECONDS} s")
                continue
            self.counts["run"] += 1
            if block.mode == "json-shape-of":
                self.compare_shape(where, cmd.text, block.lines, p.stdout)
                continue
            shown = cmd.shown
            if block.mode == "output-of":
                shown = block.lines
            # Where the output is compared, it says whether the command
            # failed; elsewhere a command fails only when it shows an error.
            compared = block.mode in ("check-output", "output-of")
            expects_error = any("sweep: error:" in l for l in shown or [])
            if not compared and (p.returncode != 0) != expects_error:
                self.fail(where, f"exit status {p.returncode}: {cmd.text}\n"
                          + indent(p.stdout))
                continue
            if compared:
                self.compare(where, cmd.text, shown, p.stdout)

    def compare_shape(self, where, command, shown, printed):
        self.counts["compared"] += 1
        try:
            want = json.loads("\n".join(shown))
        except ValueError as e:
            return self.fail(where, f"the block is not JSON: {e}")
        try:
            got = json.loads(printed)
        except ValueError as e:
            return self.fail(where, f"`{command}` prints no JSON ({e}):\n"
                             + indent(printed))
        # Keys in order: json.dumps keeps the order they were read in.
        if json.dumps(shape(want)) != json.dumps(shape(got)):
            self.fail(where, f"the JSON shown is not shaped as what "
                      f"`{command}` prints:\n  shown:   "
                      f"{json.dumps(shape(want))}\n  printed: "
                      f"{json.dumps(shape(got))}")

    def compare(self, where, command, shown, printed):
        self.counts["compared"] += 1
        want = normalise(shown)
        got = normalise(printed.split("\n"))
        if want != got:
            self.fail(where, f"the shown output of `{command}` is not what "
                      "it prints (timings as #):\n  shown:\n"
                      + indent("\n".join(want), 4) + "\n  printed:\n"
                      + indent("\n".join(got), 4))


def shape(value):
    """A JSON value with every number, string and boolean replaced by its
    type's name: what a document's example must share with real output."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else type(value).__name__


def indent(text, n=4):
    return "\n".join(" " * n + l for l in text.rstrip().split("\n"))


def subcommands(sweep):
    """Subcommand names, from `sweep --help`."""
    text = subprocess.run([sweep, "--help"], capture_output=True,
                          text=True).stdout
    section = text.split("Subcommands:", 1)[-1]
    return re.findall(r"^  (\w+)\s", section, re.M)


def help_problems(text, sub):
    """What is wrong with a subcommand's --help beyond its examples."""
    where = f"sweep {sub} --help"
    usage = next((l for l in text.split("\n") if l.startswith("Usage:")), "")
    problems = []
    if not usage.startswith(f"Usage: sweep {sub} "):
        problems.append(f"{where}: the usage line does not start with "
                        f"`Usage: sweep {sub}`: {usage}")
    options = text.split("Examples:", 1)[0].split("\n")
    types = {m.group(1) for m in map(OPTION_LINE.match, options) if m}
    for word in sorted(t for t in types if CLI11_TYPE.search(t)):
        problems.append(f"{where}: type name {word}: say what it is (N, "
                        "FILE, DIR, DURATION)")
    return problems


def help_blocks(sweep, failures):
    """The examples of every subcommand's --help, marked per the list."""
    blocks, used = [], set()
    for sub in subcommands(sweep):
        p = subprocess.run([sweep, sub, "--help"], capture_output=True,
                           text=True)
        failures.extend(help_problems(p.stdout, sub))
        for b in examples.help_examples(p.stdout, f"sweep {sub} --help"):
            text = b.commands[0].text
            if text in HELP_PARSE_ONLY:
                b.mode = "parse-only"
                used.add(text)
            blocks.append(b)
    for text in HELP_PARSE_ONLY.keys() - used:
        failures.append(f"check.py: HELP_PARSE_ONLY lists `{text}`, which "
                        "no --help shows")
    return blocks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--doc", action="append")
    ap.add_argument("--no-help", action="store_true")
    a = ap.parse_args()
    docs = a.doc or [os.path.join(a.source, "README.md")] + sorted(
        glob.glob(os.path.join(a.source, "docs", "*.md")))
    with tempfile.TemporaryDirectory(prefix="sweep-doc-test-") as root:
        checker = Checker(root, *make_fixtures(root, a.source, a.sweep,
                                               a.train))
        blocks = []
        for path in docs:
            with open(path) as f:
                blocks += examples.read_blocks(
                    f.read(), os.path.relpath(path, a.source))
        if not a.no_help:
            blocks += help_blocks(a.sweep, checker.failures)
            for path in sorted(glob.glob(os.path.join(a.source, "docs", "man",
                                                      "*.txt"))):
                with open(path) as f:
                    blocks += examples.man_examples(
                        f.read(), os.path.relpath(path, a.source))
        for n, block in enumerate(blocks):
            checker.check(block, n)
    c = checker.counts
    print(f"doc test: {len(blocks)} blocks from {len(docs)} documents"
          f"{'' if a.no_help else ' and --help'}: {c['parsed']} commands "
          f"parsed, {c['run']} run, {c['compared']} outputs compared")
    for f in checker.failures:
        print(f"FAIL {f}", file=sys.stderr)
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
