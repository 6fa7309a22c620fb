#!/usr/bin/env bash
# Layers point one way: core <- grid <- command <- exec, output <- backend,
# batchify, report <- cli. Private headers ("exec/x.hpp") are already enforced by
# the build (each layer's include root holds only its own folder); this
# checks what the build cannot: the public headers in include/sweep, which
# every layer can see. A public header belongs to a layer; a source file may
# include it only from that layer or above, and a public header may include
# no private header at all (those are not installed).
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

declare -A rank=([core]=0 [grid]=1 [command]=2 [exec]=3 [output]=3
                 [backend]=4 [batchify]=4 [report]=4 [cli]=5)
# Which layer each public header belongs to (sweep.hpp: the umbrella, top).
declare -A public=([value]=core [error]=core [record]=core [stats]=core
                   [version]=core [grid]=grid [grid_parse]=grid [value_seq]=grid
                   [evaluate]=exec [command_sweep]=exec [sweep]=cli)
# Siblings that must not see each other although their ranks allow it.
# A report reads records, never the backend's run directories: the CLI
# resolves those and feeds the report.
forbidden() {
  [[ ($1 == exec && $2 == output) || ($1 == output && $2 == exec) ||
     ($1 == report && ($2 == backend || $2 == batchify)) ]]
}

status=0
fail() { echo "layering: $*" >&2; status=1; }

for f in include/sweep/*.hpp; do
  name=$(basename "$f" .hpp)
  [[ -n ${public[$name]:-} ]] || fail "$f: a public header no layer owns (add it to this script)"
  while read -r inc; do
    case $inc in
      sweep/*) ;;
      *) fail "$f includes the private header \"$inc\"" ;;
    esac
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done

for f in $(find src -name '*.cpp' -o -name '*.hpp' | sort); do
  layer=$(echo "$f" | cut -d/ -f2)
  [[ -n ${rank[$layer]:-} ]] || { fail "$f: in no known layer"; continue; }
  while read -r inc; do
    case $inc in
      sweep/*) name=$(basename "$inc" .hpp); to=${public[$name]:-} ;;
      */*) to=${inc%%/*} ;;
      *) continue ;;  # a header beside the file
    esac
    [[ -n $to && -n ${rank[$to]:-} ]] || { fail "$f includes \"$inc\" of no known layer"; continue; }
    if (( rank[$to] > rank[$layer] )) || { [[ $to != "$layer" ]] && forbidden "$layer" "$to"; }; then
      fail "$f ($layer) includes \"$inc\" ($to): layers point one way"
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
[[ $status -eq 0 ]] && echo "layering: every include points down"
exit $status
