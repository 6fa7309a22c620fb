#!/usr/bin/env bash
# Runs each fuzz target for SECONDS on a copy of its seed corpus (kept in
# BUILD_DIR/fuzz-corpus/<target>, so local runs build on earlier ones) and
# fails if any finds anything; a finding's input is saved in
# BUILD_DIR/fuzz-findings/, its log in BUILD_DIR/fuzz-logs/. Each run is
# appended to BUILD_DIR/fuzz-runs.tsv (date, target, seconds, runs, status).
#   usage: run.sh BUILD_DIR SECONDS [TARGET...]   (default: every target)
set -uo pipefail
build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$here"/corpus/*/; do targets+=("$(basename "$d")"); done
fi
mkdir -p "$build/fuzz-findings" "$build/fuzz-logs"
failed=()
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  work="$build/fuzz-corpus/$t"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$work"
  cp -n "$here/corpus/$t"/* "$work"/ 2>/dev/null || true
  start=$SECONDS
  "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-findings/$t-" \
    "$work" >"$log" 2>&1
  rc=$?
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  status=ok
  [ "$rc" -eq 0 ] || status="FAILED (exit $rc)"
  printf '%-18s %5ss %12s runs  %s\n' "$t" "$((SECONDS - start))" "${runs:-?}" "$status"
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$((SECONDS - start))" \
    "${runs:-0}" "$rc" >>"$build/fuzz-runs.tsv"
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    grep -v '^#' "$log" | tail -n 40
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: findings in: ${failed[*]} (inputs in $build/fuzz-findings/)"
  exit 1
fi
