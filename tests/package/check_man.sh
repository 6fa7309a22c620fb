#!/usr/bin/env bash
# The generated man pages: one per subcommand that `sweep --help` lists, and
# sweep(1); each renders with man -l and groff -ww without a warning, and
# names every option its subcommand's --help shows (so they cannot drift).
# usage: check_man.sh SWEEP MAN_DIR
set -euo pipefail
sweep=$1
dir=$2
status=0
fail() { echo "man: $*" >&2; status=1; }
export LC_ALL=C.UTF-8 MANWIDTH=100

check_page() {  # check_page PAGE HELP_ARGS...
  local name=$1 page=$dir/$1.1 out err
  shift
  [[ -f $page ]] || { fail "$page is missing"; return; }
  err=$(groff -man -ww -z -Tutf8 "$page" 2>&1) || fail "$page: groff failed"
  [[ -z $err ]] || fail "$page: groff -ww warns: $err"
  out=$(man --warnings -l "$page" 2>"$dir/.man-stderr") || fail "$page: man -l failed"
  [[ ! -s $dir/.man-stderr ]] || fail "$page: man -l warns: $(cat "$dir/.man-stderr")"
  rm -f "$dir/.man-stderr"
  # Every option of --help is in the rendered page.
  local opt n=0
  for opt in $("$sweep" "$@" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    n=$((n + 1))
    grep -qF -- "$opt" <<<"$out" || fail "$page: $opt of 'sweep $* --help' is not in the page"
  done
  ((n > 0)) || fail "'sweep $* --help' shows no option"
  echo "man: $name.1 renders cleanly and has all $n options of 'sweep${*:+ $*} --help'"
}

subs=$("$sweep" --help | sed -n '/^Subcommands:/,$s/^  \([a-z]\+\) .*/\1/p')
[[ -n $subs ]] || fail "sweep --help lists no subcommand"
check_page sweep
for sub in $subs; do
  check_page "sweep-$sub" "$sub"
  # sweep(1) refers to each subcommand's page.
  man -l "$dir/sweep.1" 2>/dev/null | grep -q "sweep-$sub(1)" ||
    fail "sweep.1 does not refer to sweep-$sub(1)"
done
exit $status
