#!/usr/bin/env python3
"""The doc test must fail on a broken example: plant each kind of breakage
in a small document and check that check.py rejects it, and accepts a good
one. Also checks the extractor's reading of the marking convention.

usage: self_test.py --sweep BIN --train BIN --source DIR
"""

import argparse
import os
import subprocess
import sys
import tempfile

import examples

HERE = os.path.dirname(os.path.abspath(__file__))

GOOD = """# good

    sweep grid --count configs/example.json
    sweep run -p depth=1,2 -- ./train --depth='<depth>' \\
      '<depth>'

<!-- doc-test: parse-only -->

    sweep run --backend slurm --run-dir /shared/x -- ./train '<lr>'

<!-- doc-test: check-output -->
```console
$ sweep grid --count configs/example.json
10
$ sweep grid --count -p x=0..1
2
```

<!-- doc-test: output-of sweep grid -p x=1,2 --describe -->
```
  x: list, 2 values
total: 2 points
```

<!-- doc-test: json-shape-of sweep grid -p x=7 -->
```json
{"job": 5,
 "params": {"x": 3}}
```

<!-- doc-test: text -->

    sweep grid [GRID] (--count | --describe)

```json
{"x": [1, 2]}
```
"""

# Each must make the check fail with the message given; the name says what
# is broken.
BAD = {
    "unquoted placeholder that parses": (
        "    sweep run -p x=1 -- ./train <x> --depth=1\n",
        "unquoted placeholder <x>"),
    "unquoted placeholder, a syntax error": (
        "<!-- doc-test: parse-only -->\n\n    sweep run -- echo <x>\n",
        "does not parse in bash"),
    "bash-only syntax, not POSIX sh": (
        "<!-- doc-test: parse-only -->\n\n    cat <(sweep grid -p x=1)\n",
        "does not parse in sh"),
    "a command that fails": (
        "    sweep grid --count configs/missing.json\n", "exit status 2"),
    "shown output that drifted": (
        "<!-- doc-test: check-output -->\n\n"
        "    $ sweep grid --count configs/example.json\n    11\n",
        "is not what it prints"),
    "output-of that drifted": (
        "<!-- doc-test: output-of sweep grid --count -p x=1,2 -->\n\n"
        "    3\n", "is not what it prints"),
    "json-shape-of with keys in another order": (
        "<!-- doc-test: json-shape-of sweep grid -p x=7 -->\n"
        "```json\n{\"params\": {\"x\": 3}, \"job\": 5}\n```\n",
        "is not shaped as"),
    "json-shape-of with a value of another type": (
        "<!-- doc-test: json-shape-of sweep grid -p x=7 -->\n"
        "```json\n{\"job\": \"5\", \"params\": {\"x\": 3}}\n```\n",
        "is not shaped as"),
    "a command outside a command block": (
        "```\n$ sweep grid --count -p x=1\n1\n```\n",
        "a command outside a command block"),
    "an unknown marker": (
        "<!-- doc-test: prase-only -->\n\n    sweep grid --count -p x=1\n",
        "unknown doc-test marker"),
    "a marker with no block": (
        "<!-- doc-test: parse-only -->\n\nJust text.\n",
        "not followed by a code block"),
}


def check_extractor():
    """The marking convention, read as examples.py documents it."""
    blocks = examples.read_blocks(GOOD, "good.md")
    modes = [b.mode for b in blocks]
    assert modes == ["run", "parse-only", "check-output", "output-of",
                     "json-shape-of", "text", "run"], modes
    run = blocks[0].commands
    assert [c.line for c in run] == [3, 4], run
    assert run[1].text.endswith("\\\n  '<depth>'"), run[1].text
    transcript = blocks[2].commands
    assert [(c.text, c.shown) for c in transcript] == [
        ("sweep grid --count configs/example.json", ["10"]),
        ("sweep grid --count -p x=0..1", ["2"])], transcript
    assert blocks[3].commands[0].text == "sweep grid -p x=1,2 --describe"
    assert blocks[4].commands[0].text == "sweep grid -p x=7"
    assert not blocks[5].commands and not blocks[6].commands
    (m,) = examples.man_examples("Text.\n  sweep run -- ./t '<x>'\n", "m.txt")
    assert (m.mode, m.line, m.commands[0].text) == (
        "parse-only", 2, "sweep run -- ./t '<x>'"), m
    help_text = "Usage: sweep x\n\nExamples:\n  sweep grid -p x=1  # one\n"
    (b,) = examples.help_examples(help_text, "help")
    assert b.commands[0].text == "sweep grid -p x=1  # one"


def check(args, doc, tmp):
    path = os.path.join(tmp, "doc.md")
    with open(path, "w") as f:
        f.write(doc)
    return subprocess.run(
        [sys.executable, os.path.join(HERE, "check.py"), "--sweep",
         args.sweep, "--train", args.train, "--source", args.source,
         "--doc", path, "--no-help"], capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--sweep", "--train", "--source"):
        ap.add_argument(flag, required=True)
    args = ap.parse_args()
    check_extractor()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        good = check(args, GOOD, tmp)
        if good.returncode != 0:
            print("self-test: the check rejected a good document:\n"
                  + good.stdout + good.stderr, file=sys.stderr)
            failed = True
        for name, (doc, reason) in BAD.items():
            p = check(args, doc, tmp)
            if p.returncode == 0 or reason not in p.stderr:
                print(f"self-test: the check did not reject {name} with "
                      f"'{reason}':\n" + p.stdout + p.stderr,
                      file=sys.stderr)
                failed = True
    if failed:
        return 1
    print(f"self-test: the good document passed, all {len(BAD)} planted "
          "breakages were caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
