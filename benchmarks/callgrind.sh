#!/usr/bin/env bash
# Instruction counts of one full step, Sinew (double, float) against MuJoCo's C library, under
# MuscleMimic's options from the same contact state (sinew-bench-cpu --callgrind, see its header):
# repeatable on a noisy machine, unlike times. Prints Ir per step for each engine and the
# functions with the most inclusive instructions, per step.
#
#   benchmarks/callgrind.sh [name=MODEL.xml]     # default MyoFullBody
#
# Environment: SINEW_BENCH_BUILD (default build/bench-cpu, built by run_cpu.sh or here), STEPS
# (instrumented steps, default 20), TOP (functions listed per engine, default 25), OUT (folder for
# the callgrind.out files, default a temporary one).
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SINEW_BENCH_BUILD:-$SRC/build/bench-cpu}"
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not installed (apt-get install valgrind)" >&2; exit 1; }
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSINEW_ENABLE_CUDA=OFF >/dev/null
cmake --build "$BUILD" -j2 --target sinew-bench-cpu >/dev/null
BIN="$BUILD/benchmarks/sinew-bench-cpu"
STEPS="${STEPS:-20}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
for e in mj sinew_d sinew_f; do
  f="$OUT/callgrind.$e.out"
  OMP_NUM_THREADS=1 valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no --callgrind-out-file="$f" \
    "$BIN" --callgrind="$e" --steps="$STEPS" "$@" 2>/dev/null
  total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t {gsub(",", "", $1); print $1; t = 1}')
  echo "$e: $((total / STEPS)) Ir per step"
  callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null |
    awk -v steps="$STEPS" -v top="${TOP:-25}" '
      /^-+$/ {sep++; next}
      sep >= 3 && NF >= 2 && n < top {
        ir = $1; gsub(",", "", ir); if (ir !~ /^[0-9]+$/) next
        $1 = ""; name = substr($0, 2); sub(/ \[.*$/, "", name)
        if (length(name) > 110) name = substr(name, 1, 110) "..."
        printf "  %10d  %s\n", ir / steps, name; n++
      }'
done
echo "callgrind files: $OUT"
