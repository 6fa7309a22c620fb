"""The command examples of sweep's documentation, as the doc test sees them.

Where examples are found, and how a block is marked (the convention):

* Markdown (README.md, docs/*.md). A *command block* is an indented code
  block (lines indented by 4 or more spaces after a blank line) or a fenced
  block whose info string is sh, bash, shell or console. Other fenced blocks
  (json, yaml, cpp, plain ```) are not commands, but a line in them that
  starts with `$ ` or `sweep ` is reported: a command must sit in a command
  block to be tested. Inline `code` is not extracted.
* In a command block with a line starting with `$ ` (a transcript), each
  `$ ` line is a command and the lines up to the next one are its output.
  Otherwise every non-blank line is a command (a trailing `\\` continues it).
* A marker, an HTML comment alone on its line before a block (blank lines
  may come between), says what to do with it:
    <!-- doc-test: parse-only -->   parse, do not run (needs a cluster, a GPU,
                                    the user's own program or data)
    <!-- doc-test: text -->         not a command: a synopsis, or output shown
                                    as an illustration; neither parsed nor run
    <!-- doc-test: check-output --> a transcript whose shown output must be
                                    what each command prints today
    <!-- doc-test: output-of CMD --> the block (of any kind) is what CMD prints
    <!-- doc-test: json-shape-of CMD --> the block is JSON with the keys (in
                                    order) and value types of the JSON CMD
                                    prints; values may differ (figures of a
                                    larger run)
  Unmarked command blocks are parsed and run, and each command must exit 0
  unless its shown output has a `sweep: error:` line. Compared output is
  stdout and stderr together, with timings, rates and sizes (`7.2 s`,
  `5.3 MiB`, `61.2%`) read as equal whatever their figures; the exit status
  of a compared command is not checked (its output says how it ended).
* `--help` of each subcommand: every line after `Examples:` that starts with
  `sweep ` is a command, run unless the checker lists it as parse-only.
* The man pages' hand-written texts (docs/man/*.txt): every indented line
  that starts with `sweep ` is a command, parsed only (they show a user's
  own files).
"""

import re
from dataclasses import dataclass, field

SHELL_FENCES = {"sh", "bash", "shell", "console"}
MARKER = re.compile(r"^\s*<!--\s*doc-test:\s*([a-z-]+)\s*(.*?)\s*-->\s*$")
MODES = {"run", "parse-only", "text", "check-output", "output-of",
         "json-shape-of"}


@dataclass
class Command:
    """One command line and, in a transcript, the output shown after it."""

    text: str
    line: int  # 1-based line of the source where it starts
    shown: list = None  # the lines shown as its output, or None


@dataclass
class Block:
    """A code block of a document or help text, with what to do with it."""

    source: str
    line: int  # 1-based line of the block's first line
    mode: str  # one of MODES
    commands: list = field(default_factory=list)
    lines: list = field(default_factory=list)  # its text, for output-of
    output_of: str = ""  # the command of an output-of block
    problems: list = field(default_factory=list)  # extraction errors


def split_commands(lines, first_line):
    """Commands of a command block: transcript lines or plain lines."""
    commands = []
    transcript = any(l.startswith("$ ") for l in lines)
    pending = None
    for i, text in enumerate(lines):
        n = first_line + i
        if pending is not None:  # a continued line
            pending.text += "\n" + text
            if not text.endswith("\\"):
                pending = None
            continue
        if transcript and not text.startswith("$ "):
            if commands:  # blank lines too: they are part of the output
                commands[-1].shown.append(text)
            continue
        if not text.strip():
            continue
        cmd = Command(text[2:] if transcript else text, n,
                      [] if transcript else None)
        commands.append(cmd)
        if text.endswith("\\"):
            pending = cmd
    return commands


def read_blocks(text, source):
    """The code blocks of a Markdown text, in order."""
    lines = text.split("\n")
    blocks, marker, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        m = MARKER.match(line)
        if m:
            marker = (m.group(1), m.group(2), i + 1)
            i += 1
            continue
        fence = re.match(r"^(\s*)```\s*([\w-]*)", line)
        indented = (line.startswith("    ") and line.strip()
                    and (i == 0 or not lines[i - 1].strip()))
        if fence:
            indent, info = fence.group(1), fence.group(2)
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            body = [l[len(indent):] if l.startswith(indent) else l
                    for l in lines[i + 1:j]]
            blocks.append(make_block(source, i + 2, body,
                                     info in SHELL_FENCES, marker))
            marker, i = None, j + 1
            continue
        if indented:
            j = i
            while j < len(lines) and (lines[j].startswith("    ")
                                      or not lines[j].strip()):
                j += 1
            while not lines[j - 1].strip():
                j -= 1
            width = min(len(l) - len(l.lstrip()) for l in lines[i:j]
                        if l.strip())
            body = [l[width:] for l in lines[i:j]]
            blocks.append(make_block(source, i + 1, body, True, marker))
            marker, i = None, j
            continue
        if line.strip() and marker:
            blocks.append(Block(source, marker[2], "run", problems=[
                f"{source}:{marker[2]}: marker '{marker[0]}' is not "
                "followed by a code block"]))
            marker = None
        i += 1
    return blocks


def make_block(source, first_line, body, is_shell, marker):
    """A block with its mode from its kind and its marker."""
    mode, arg = (marker[0], marker[1]) if marker else ("run", "")
    block = Block(source, first_line, mode, lines=body, output_of=arg)
    where = f"{source}:{first_line}"
    if mode not in MODES:
        block.problems.append(f"{where}: unknown doc-test marker '{mode}'")
    elif mode in ("output-of", "json-shape-of"):
        if not arg:
            block.problems.append(f"{where}: {mode} names no command")
        block.commands = [Command(arg, marker[2], None)]
    elif mode == "text":
        pass
    elif is_shell:
        block.commands = split_commands(body, first_line)
        if mode == "check-output" and not any(
                c.shown is not None for c in block.commands):
            block.problems.append(
                f"{where}: check-output needs a transcript ($ lines)")
    else:
        for k, l in enumerate(body):
            if l.startswith("$ ") or l.startswith("sweep "):
                block.problems.append(
                    f"{where[:where.rindex(':')]}:{first_line + k}: a "
                    "command outside a command block (use ```console or "
                    "```sh, or mark it <!-- doc-test: text -->)")
        if marker:
            block.problems.append(
                f"{where}: marker '{mode}' on a block that is not a command "
                "block")
    return block


def help_examples(text, source):
    """Blocks of one command each from a --help text's Examples section."""
    blocks, in_examples = [], False
    for n, line in enumerate(text.split("\n"), 1):
        if line.rstrip().endswith("Examples:"):
            in_examples = True
            continue
        stripped = line.strip()
        if in_examples and stripped.startswith("sweep "):
            blocks.append(Block(source, n, "run",
                                commands=[Command(stripped, n, None)]))
    return blocks


def man_examples(text, source):
    """Parse-only blocks of one command each from a man page's text."""
    return [Block(source, n, "parse-only",
                  commands=[Command(line.strip(), n, None)])
            for n, line in enumerate(text.split("\n"), 1)
            if line.startswith(" ") and line.strip().startswith("sweep ")]
