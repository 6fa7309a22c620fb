#!/usr/bin/env bash
# sweep's benchmark suite (`make bench`): each case measures sweep and its
# anchors in the same run and prints the ratios with PASS/MISS against the
# targets in bench/RESULTS.md. BENCH_QUICK=1 shrinks every case for a smoke
# run. BENCH_CASES picks cases by number or name (`BENCH_CASES=9` or
# `BENCH_CASES=metric`, comma-separated; default all). Absolute times on a
# shared machine are noise; the ratios are the result.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=${BENCH_QUICK:-0}
B=${BUILD_DIR:-build}
SWEEP=$B/sweep
OUT=bench/out
REPORT=$OUT/latest.md
mkdir -p "$OUT"
cc -O2 -Wall -o "$B/floor" bench/floor.c
cc -O2 -Wall -o "$B/gen" bench/gen.c
cc -O2 -Wall -o "$B/curves" bench/curves.c -lm

# True when BENCH_CASES is unset or names this case (by number or name).
want() {
  [ -z "${BENCH_CASES:-}" ] && return 0
  local c
  for c in "$@"; do [[ ",${BENCH_CASES// /}," == *",$c,"* ]] && return 0; done
  return 1
}

if [ "$QUICK" = 1 ]; then
  JOBS=200; RUNS=2; OUT_BYTES=$((10 * 1000 * 1000)); DATA_BYTES=$((50 * 1000 * 1000))
  JOURNAL=100000; BIG_OUT=$((100 * 1000 * 1000)); MERGE_JOBS=1000
  REPORT_JOBS=100000
else
  JOBS=2000; RUNS=2; OUT_BYTES=$((200 * 1000 * 1000)); DATA_BYTES=$((1000 * 1000 * 1000))
  JOURNAL=1000000; BIG_OUT=$((2000 * 1000 * 1000)); MERGE_JOBS=10000
  REPORT_JOBS=500000
fi

{
  echo "# sweep benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)."
  echo "Command: \`make bench\`$([ "$QUICK" = 1 ] && echo " (BENCH_QUICK=1)")$([ -n "${BENCH_CASES:-}" ] && echo " (BENCH_CASES=$BENCH_CASES)")."
  echo
  echo "| case | measure | sweep | anchor | ratio | target | result |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
} > "$REPORT"

# Mean seconds of each named command, in order, via hyperfine.
# Usage: times VAR "name=command" ...   (extra hyperfine flags in HF_FLAGS)
times() {
  local var=$1; shift
  local args=() names=()
  for c in "$@"; do names+=("${c%%=*}"); args+=(-n "${c%%=*}" "${c#*=}"); done
  local prep=()
  [ -n "${HF_PREPARE:-}" ] && prep=(--prepare "$HF_PREPARE")
  hyperfine --style basic --runs "$RUNS" ${HF_FLAGS:-} "${prep[@]}" --export-csv "$OUT/hf.csv" "${args[@]}" >&2
  local vals=()
  for n in "${names[@]}"; do vals+=("$(awk -F, -v n="$n" '$1 == n {print $2}' "$OUT/hf.csv")"); done
  eval "$var=(${vals[*]})"
}

# row CASE MEASURE SWEEP ANCHOR RATIO TARGET OK(1/0)
row() {
  local verdict=MISS
  [ "$7" = 1 ] && verdict=PASS
  [ "$7" = - ] && verdict=info
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5" "$6" "$verdict" | tee -a "$REPORT"
}
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
le() { awk "BEGIN { exit !($1 <= $2) }" && echo 1 || echo 0; }
# Peak RSS (KiB) of a command run through GNU time; output discarded.
rss() { /usr/bin/time -f %M -o "$OUT/rss.txt" "$@" > /dev/null 2>&1 || true; tail -1 "$OUT/rss.txt"; }
# The same for a command whose output is cut by `head -1`.
rss_head() {
  sh -c "/usr/bin/time -f %M -o $OUT/rss.txt $1 | head -1" > /dev/null 2>&1 || true
  tail -1 "$OUT/rss.txt"
}

if want 1 overhead; then
  echo "== 1. job overhead: $JOBS jobs of /bin/true, -j 2" >&2
  times T "sweep=$SWEEP run -q -j 2 -p i=1..$JOBS -- /bin/true > /dev/null" \
    "floor=$B/floor -n $JOBS -j 2 -- /bin/true" \
    "floor-reap=$B/floor -r -n $JOBS -j 2 -- /bin/true" \
    "xargs=seq $JOBS | xargs -P2 -n1 /bin/true" \
    "parallel=seq $JOBS | parallel --will-cite -j2 /bin/true"
  jps() { calc "$JOBS / $1" 0; }
  row "1 overhead" "jobs/s vs C floor" "$(jps "${T[0]}")" "$(jps "${T[1]}") (reap only $(jps "${T[2]}"))" "$(calc "${T[0]} / ${T[1]}")x time" "<= 1.10x" "$(le "${T[0]}" "1.10 * ${T[1]}")"
  row "1 overhead" "jobs/s vs xargs -P2" "$(jps "${T[0]}")" "$(jps "${T[3]}")" "$(calc "${T[3]} / ${T[0]}")x faster" "> 1x" "$(le "${T[0]}" "${T[3]}")"
  row "1 overhead" "jobs/s vs GNU parallel" "$(jps "${T[0]}")" "$(jps "${T[4]}")" "$(calc "${T[4]} / ${T[0]}")x faster" ">= 5x" "$(le "5 * ${T[0]}" "${T[4]}")"
fi

if want 2 output; then
  echo "== 2. output: 4 jobs x $OUT_BYTES bytes of short lines, -j 2" >&2
  GEN="$B/gen lines $OUT_BYTES"
  times T "sweep-jsonl=$SWEEP run -q -j 2 -p i=1..4 -- $GEN > /dev/null" \
    "sweep-text=$SWEEP run -q -j 2 --format text -p i=1..4 -- $GEN > /dev/null" \
    "floor=$B/floor -n 4 -j 2 -- $GEN > /dev/null" \
    "parallel-group=seq 4 | parallel --will-cite -n0 -j2 $GEN > /dev/null" \
    "parallel-linebuffer=seq 4 | parallel --will-cite --line-buffer -n0 -j2 $GEN > /dev/null"
  mbs() { calc "4 * $OUT_BYTES / $1 / 1000000" 0; }
  row "2 output" "MB/s JSONL vs floor" "$(mbs "${T[0]}")" "$(mbs "${T[2]}")" "$(calc "${T[2]} / ${T[0]}")x" ">= 0.5x" "$(le "${T[0]}" "${T[2]} / 0.5")"
  row "2 output" "MB/s text vs floor" "$(mbs "${T[1]}")" "$(mbs "${T[2]}")" "$(calc "${T[2]} / ${T[1]}")x" ">= 0.9x" "$(le "${T[1]}" "${T[2]} / 0.9")"
  row "2 output" "MB/s JSONL vs parallel (group)" "$(mbs "${T[0]}")" "$(mbs "${T[3]}")" "$(calc "${T[3]} / ${T[0]}")x faster" "> 1x" "$(le "${T[0]}" "${T[3]}")"
  row "2 output" "MB/s text vs parallel --line-buffer" "$(mbs "${T[1]}")" "$(mbs "${T[4]}")" "$(calc "${T[4]} / ${T[1]}")x faster" "> 1x" "$(le "${T[1]}" "${T[4]}")"
fi

if want 3 grid; then
  echo "== 3. grid scale: time to first job and peak RSS" >&2
  GRIDS=("-p a=1..1000" "-p a=1..1000 -p b=1..1000" "-p a=1..1000 -p b=1..1000 -p c=1..1000"
         "-p a=1..1000 -p b=1..1000 -p c=1..1000 -p d=1..1000")
  SIZES=(1e3 1e6 1e9 1e12)
  HF_FLAGS="-i --warmup 1" RUNS=10 times T \
    "dry3=$SWEEP run --dry-run ${GRIDS[0]} -- echo '<a>' | head -1" \
    "dry12=$SWEEP run --dry-run ${GRIDS[3]} -- echo '<a>' | head -1" \
    "run3=$SWEEP run -q -j 1 ${GRIDS[0]} -- /bin/true | head -1" \
    "run12=$SWEEP run -q -j 1 ${GRIDS[3]} -- /bin/true | head -1" \
    "sample=$SWEEP grid --sample 1000 --seed 1 -p a=1..1000000 -p b=1..1000000 -p c=1..1000" \
    "start=$SWEEP grid --count -p a=1"
  for mode in dry run; do
    for i in 0 1 2 3; do
      if [ $mode = dry ]; then
        R=$(rss_head "$SWEEP run -q --dry-run ${GRIDS[$i]} -- echo '<a>'")
      else
        R=$(rss_head "$SWEEP run -q -j 1 ${GRIDS[$i]} -- /bin/true")
      fi
      [ "$i" = 0 ] && BASE_RSS=$R
      row "3 grid" "peak RSS KiB, $mode, ${SIZES[$i]} points vs 1e3" "$R" "$BASE_RSS" "+$((R - BASE_RSS)) KiB" "<= +1024 KiB" "$(le "$R" "$BASE_RSS + 1024")"
    done
  done
  ms() { calc "($1) * 1000" 1; }
  # Process start alone takes several ms here; what a grid's size adds is the result.
  row "3 grid" "ms to first line, --dry-run 1e12 vs 1e3" "$(ms "${T[1]}")" "$(ms "${T[0]}")" "+$(ms "${T[1]} - ${T[0]}") ms" "<= +10 ms" "$(le "${T[1]}" "${T[0]} + 0.010")"
  row "3 grid" "ms to first job ends, run 1e12 vs 1e3" "$(ms "${T[3]}")" "$(ms "${T[2]}")" "+$(ms "${T[3]} - ${T[2]}") ms" "<= +10 ms" "$(le "${T[3]}" "${T[2]} + 0.010")"
  row "3 grid" "ms, --sample 1000 of 1e15 vs bare start" "$(ms "${T[4]}")" "$(ms "${T[5]}")" "+$(ms "${T[4]} - ${T[5]}") ms" "<= +10 ms" "$(le "${T[4]}" "${T[5]} + 0.010")"
fi

if want 4 batchify; then
  echo "== 4. batchify: $DATA_BYTES bytes of text and of CSV into 8 parts" >&2
  "$B/gen" text "$DATA_BYTES" > "$OUT/data.txt"
  "$B/gen" csv "$DATA_BYTES" > "$OUT/data.csv"
  PREP="rm -rf $OUT/parts && mkdir -p $OUT/parts"
  for kind in txt csv; do
    HF_PREPARE="$PREP" times T \
      "records=$SWEEP batchify -n 8 $OUT/data.$kind -o $OUT/parts > /dev/null" \
      "bytes=$SWEEP batchify -n 8 --by bytes $OUT/data.$kind -o $OUT/parts > /dev/null" \
      "split=cd $OUT/parts && split -n l/8 ../data.$kind x"
    want=0.8; [ "$kind" = csv ] && want=0.5
    row "4 batchify" "MB/s $kind --by bytes vs split -n l/8" "$(calc "$DATA_BYTES / ${T[1]} / 1e6" 0)" "$(calc "$DATA_BYTES / ${T[2]} / 1e6" 0)" "$(calc "${T[2]} / ${T[1]}")x" ">= ${want}x" "$(le "${T[1]}" "${T[2]} / $want")"
    # -n by records reads the data twice (count, then split): no split
    # equivalent, so it is reported, not judged.
    row "4 batchify" "MB/s $kind -n 8 by records (two passes)" "$(calc "$DATA_BYTES / ${T[0]} / 1e6" 0)" "$(calc "$DATA_BYTES / ${T[2]} / 1e6" 0)" "$(calc "${T[2]} / ${T[0]}")x" "-" "-"
  done
  rm -rf "$OUT/parts" "$OUT/data.txt" "$OUT/data.csv"
fi

if want 5 resume; then
  echo "== 5. resume: a journal of $JOURNAL records" >&2
  "$B/sweep-bench-journal" "$JOURNAL" > "$OUT/journal.jsonl"
  times T "resume=$SWEEP run -q --journal $OUT/journal.jsonl --resume -p i=0..$((JOURNAL - 1)) -- /bin/true"
  row "5 resume" "s to load $JOURNAL records and skip them all" "$(calc "${T[0]}" 3)" "-" "-" "< 1 s" "$(le "${T[0]}" 1)"
  # Loading alone: the same journal, a grid of one job that is not in it.
  times T "load=$SWEEP run -q --journal $OUT/journal.jsonl --resume -p i=-1 -- /bin/true" \
    "start=$SWEEP run -q -p i=-1 -- /bin/true"
  row "5 resume" "s to load $JOURNAL records (one job to run)" "$(calc "${T[0]}" 3)" "$(calc "${T[1]}" 3) (no journal)" "+$(calc "${T[0]} - ${T[1]}" 3) s" "<= 0.5 s" "$(le "${T[0]}" 0.5)"
  rm -f "$OUT/journal.jsonl"
fi

if want 7 merge; then
  echo "== 7. merge: 100 streams x $MERGE_JOBS jobs (a line and an end record each)" >&2
  rm -rf "$OUT/streams" && mkdir -p "$OUT/streams"
  for i in $(seq 0 99); do
    "$B/gen" stream "$MERGE_JOBS" $((i * MERGE_JOBS)) > "$OUT/streams/s$(printf %03d "$i").jsonl"
  done
  MB=$(du -sm "$OUT/streams" | cut -f1)
  times T "merge=$SWEEP merge -q $OUT/streams -o $OUT/merged.jsonl" \
    "cat=cat $OUT/streams/*.jsonl > $OUT/cat.jsonl"
  row "7 merge" "s for $((100 * MERGE_JOBS)) jobs, $MB MB, vs cat" "$(calc "${T[0]}" 3)" "$(calc "${T[1]}" 3)" "$(calc "${T[0]} / ${T[1]}")x" "<= 3x" "$(le "${T[0]}" "3 * ${T[1]}")"
  R_ONE=$(rss "$SWEEP" merge -q "$OUT/streams/s000.jsonl" -o "$OUT/merged.jsonl")
  R_ALL=$(rss "$SWEEP" merge -q "$OUT/streams" -o "$OUT/merged.jsonl")
  PER=$(calc "($R_ALL - $R_ONE) * 1024 / (99 * $MERGE_JOBS)" 1)
  row "7 merge" "peak RSS bytes per job (100 streams vs 1)" "$PER" "$R_ALL KiB vs $R_ONE KiB" "-" "<= 24" "$(le "$PER" 24)"
  rm -rf "$OUT/streams" "$OUT/merged.jsonl" "$OUT/cat.jsonl"
fi

if want 8 report; then
  echo "== 8. report: $((2 * REPORT_JOBS)) records ($REPORT_JOBS jobs, a line and an end record each)" >&2
  "$B/gen" stream "$REPORT_JOBS" 0 > "$OUT/report.jsonl"
  "$B/gen" stream $((REPORT_JOBS / 2)) 0 > "$OUT/report-half.jsonl"
  MB=$(du -sm "$OUT/report.jsonl" | cut -f1)
  # --over depth: 1000 groups (one per lr) however long the stream.
  RARGS="--metric loss:min --over depth --format csv"
  times T "report=$SWEEP report $OUT/report.jsonl $RARGS -o $OUT/report.csv" \
    "cat=cat $OUT/report.jsonl > $OUT/cat.jsonl" \
    "merge=$SWEEP merge -q $OUT/report.jsonl -o $OUT/merged.jsonl"
  row "8 report" "s for $((2 * REPORT_JOBS)) records, $MB MB, vs cat" "$(calc "${T[0]}" 3)" "$(calc "${T[1]}" 3)" "$(calc "${T[0]} / ${T[1]}")x" "<= 3x" "$(le "${T[0]}" "3 * ${T[1]}")"
  row "8 report" "s, vs sweep merge of the same file (the reader's pace)" "$(calc "${T[0]}" 3)" "$(calc "${T[2]}" 3)" "$(calc "${T[0]} / ${T[2]}")x" "-" "-"
  # Memory by groups, not lines: the same 1000 groups from twice the records
  # costs only the one value per job kept for medians (8 bytes, 16 at most
  # while a vector doubles). Both files are read by two threads
  # (16 MiB or more), so the reader's ring of blocks is the same for both.
  R_HALF=$(rss "$SWEEP" report "$OUT/report-half.jsonl" $RARGS)
  R_ALL=$(rss "$SWEEP" report "$OUT/report.jsonl" $RARGS)
  PER=$(calc "($R_ALL - $R_HALF) * 1024 / ($REPORT_JOBS / 2)" 1)
  row "8 report" "peak RSS bytes per job (2x the records, same 1000 groups)" "$PER" "$R_ALL KiB vs $R_HALF KiB" "-" "<= 24" "$(le "$PER" 24)"
  rm -f "$OUT/report.jsonl" "$OUT/report-half.jsonl" "$OUT/report.csv" "$OUT/cat.jsonl" "$OUT/merged.jsonl"
fi

if want 6 memory; then
  echo "== 6. memory" >&2
  R1=$(rss "$SWEEP" run -q -j 1 -p i=1 -- sleep 2)
  R64=$(rss "$SWEEP" run -q -j 64 -p i=1..64 -- sleep 2)
  PER=$(( (R64 - R1) / 63 ))
  row "6 memory" "KiB per running job (-j 64 vs -j 1)" "$PER" "-" "-" "< 64 KiB" "$(le "$PER" 64)"
  RBIG=$(rss "$SWEEP" run -q -p i=1 -- "$B/gen" lines "$BIG_OUT")
  row "6 memory" "peak RSS KiB, one job writing $BIG_OUT bytes" "$RBIG" "$R1 (idle job)" "+$((RBIG - R1)) KiB" "<= +8192 KiB" "$(le "$RBIG" "$R1 + 8192")"
fi

if want 9 metric; then
  # 81 points whose learning curves are known (bench/curves.c: a closed form
  # plus seeded noise), run as a whole grid, with --prune median and with
  # --halving: the job-seconds each spends (the sum of its end records'
  # duration_s) and whether the best point it reports is the true best. An
  # epoch is a sleep, so job-seconds measure the policy, not the machine.
  LRS=1e-4,3e-4,1e-3,3e-3,1e-2,3e-2,0.1,0.3,1; DEPTHS=1,2,3,4,5,6,7,8,9; EPOCHS=27
  MS=20; [ "$QUICK" = 1 ] && MS=5
  echo "== 9. metric: 81 points x $EPOCHS epochs of $MS ms (bench/curves), -j 2: grid, --prune median, --halving" >&2
  CURVES=("$B/curves" --sleep-ms "$MS" --lr '<lr>' --depth '<depth>')
  GRID=(-q -j 2 -p "lr=$LRS" -p "depth=$DEPTHS" --metric acc:max)
  S=$("$B/curves" --true-best --lr "$LRS" --depth "$DEPTHS" --epochs "$EPOCHS" | sed 's/[a-z]*=//g')
  read -r TRUE_LR TRUE_DEPTH TRUE_ACC SECOND_ACC <<< "$S"
  # Within noise: 3 sigma of curves' noise (sigma 0.003), less than the
  # runner-up's gap, so in practice only the true best passes.
  NOISE=0.009
  # metric_run NAME ARGS...: sweep run -o $OUT/NAME.jsonl ARGS; sets WALL.
  metric_run() {
    local name=$1 t0; shift
    t0=$(date +%s.%N)
    "$SWEEP" run -o "$OUT/$name.jsonl" "$@" > /dev/null
    WALL=$(calc "$(date +%s.%N) - $t0")
  }
  # "JOB_S ENDS PRUNED TOP_RUNG" of a stream: job-seconds are the sum of the
  # end records' duration_s (every attempt's); TOP_RUNG is the highest
  # epochs parameter a job ran at, or - with none.
  spent() {
    python3 - "$1" <<'PY'
import json, sys
job_s, ends, pruned, top = 0.0, 0, 0, None
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "duration_s" not in r:
        continue
    job_s += r["duration_s"]; ends += 1; pruned += bool(r.get("pruned"))
    rung = r["params"].get("epochs")
    if rung is not None:
        top = rung if top is None else max(top, rung)
print(f"{job_s:.2f} {ends} {pruned} {'-' if top is None else top}")
PY
  }
  # found FILE [WHERE]: sets FOUND (the report's best group, with its
  # noiseless final accuracy and a verdict) and FOUND_OK (1 when it is the
  # true best or within noise of it).
  found() {
    local best lr depth clean
    best=$("$SWEEP" report "$1" --metric acc:max --format json ${2:+--where "$2"} |
      python3 -c 'import json, sys; p = json.load(sys.stdin)["groups"][0]["params"]; print(p["lr"], p["depth"])')
    read -r lr depth <<< "$best"
    clean=$("$B/curves" --lr "$lr" --depth "$depth" --epochs "$EPOCHS" --sigma 0 --sleep-ms 0 | tail -1 | sed 's/.*acc=//')
    FOUND_OK=$(le "$TRUE_ACC - $clean" "$NOISE")
    local verdict="missed the true best"
    if awk "BEGIN { exit !($lr == $TRUE_LR && $depth == $TRUE_DEPTH) }"; then verdict="the true best"
    elif [ "$FOUND_OK" = 1 ]; then verdict="within noise of the true best"; fi
    FOUND="best lr=$lr depth=$depth ($clean noiseless: $verdict)"
  }
  row "9 metric" "true best (noiseless acc at epoch $EPOCHS; runner-up $SECOND_ACC)" "lr=$TRUE_LR depth=$TRUE_DEPTH acc=$TRUE_ACC" "-" "-" "-" "-"

  metric_run grid "${GRID[@]}" -- "${CURVES[@]}" --epochs "$EPOCHS"
  S=$(spent "$OUT/grid.jsonl")
  read -r JS_GRID ENDS _ _ <<< "$S"
  found "$OUT/grid.jsonl"
  row "9 metric" "grid: job-s ($ENDS jobs, wall $WALL s), $FOUND" "$JS_GRID" "-" "-" "finds the true best" "$FOUND_OK"

  # Pruning and halving take the points in random order, as random search
  # does: ASHA's promotions (and the median's early verdicts) assume points
  # do not arrive sorted worst first, as this grid's are (lr ascending). The
  # halving row in grid order shows what that order costs.
  SHUF=(--shuffle --seed 1)
  metric_run prune "${GRID[@]}" "${SHUF[@]}" --prune median -- "${CURVES[@]}" --epochs "$EPOCHS"
  S=$(spent "$OUT/prune.jsonl")
  read -r JS ENDS PRUNED _ <<< "$S"
  found "$OUT/prune.jsonl"
  R=$(calc "$JS / $JS_GRID")
  row "9 metric" "--prune median, random order: job-s vs grid ($PRUNED of $ENDS pruned, wall $WALL s), $FOUND" "$JS" "$JS_GRID" "${R}x" "<= 0.60x and the best" "$([ "$FOUND_OK" = 1 ] && le "$R" 0.60 || echo 0)"

  HELP=$("$SWEEP" run --help)
  if [[ $HELP == *--halving* ]]; then
    for order in random grid; do
      args=("${SHUF[@]}"); target="<= 0.30x and the best"
      [ "$order" = grid ] && args=() && target="-"
      metric_run halving "${GRID[@]}" "${args[@]}" --halving "epochs=1..$EPOCHS" --eta 3 -- "${CURVES[@]}" --epochs '<epochs>'
      S=$(spent "$OUT/halving.jsonl")
      read -r JS ENDS _ TOP <<< "$S"
      # The report ranks the highest rung first.
      found "$OUT/halving.jsonl"
      R=$(calc "$JS / $JS_GRID")

      verdict=$([ "$FOUND_OK" = 1 ] && le "$R" 0.30 || echo 0)
      [ "$order" = grid ] && verdict=-
      row "9 metric" "--halving epochs=1..$EPOCHS --eta 3, $order order: job-s vs grid ($ENDS jobs, top rung $TOP, wall $WALL s), $FOUND" "$JS" "$JS_GRID" "${R}x" "$target" "$verdict"
    done
  else
    echo "halving: skipped (sweep has no --halving)" >&2
    row "9 metric" "--halving: skipped (sweep has no --halving)" "-" "-" "-" "<= 0.30x and the best" "-"
  fi
  rm -f "$OUT/grid.jsonl" "$OUT/prune.jsonl" "$OUT/halving.jsonl"
fi

echo >&2
echo "report: $REPORT" >&2
