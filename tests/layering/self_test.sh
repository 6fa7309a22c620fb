#!/usr/bin/env bash
# The layering check must fail on an upward include and on a public header
# that includes a private one: plant each in a copy of the tree.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plant() {  # FILE LINE: a copy of the tree with LINE added to FILE
  rm -rf "$tmp/tree" && mkdir "$tmp/tree"
  cp -r "$src/src" "$src/include" "$tmp/tree/"
  echo "$2" >> "$tmp/tree/$1"
}
for case in 'src/core/value.cpp|#include "sweep/evaluate.hpp"' \
            'src/exec/scheduler.cpp|#include "output/journal.hpp"' \
            'src/output/journal.cpp|#include "exec/subprocess.hpp"' \
            'src/report/collect.cpp|#include "backend/backend.hpp"' \
            'include/sweep/value.hpp|#include "core/job.hpp"'; do
  plant "${case%%|*}" "${case#*|}"
  if "$src/tests/layering/check.sh" "$tmp/tree" 2>/dev/null; then
    echo "self-test: the check accepted ${case#*|} in ${case%%|*}" >&2
    exit 1
  fi
done
plant src/core/value.cpp ''
"$src/tests/layering/check.sh" "$tmp/tree" > /dev/null
echo "self-test: every planted violation was caught"
