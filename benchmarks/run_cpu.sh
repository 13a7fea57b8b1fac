#!/usr/bin/env bash
# Builds sinew-bench-cpu (Release, no CUDA) and runs it: Sinew (double, float) against MuJoCo's C
# library from the pinned wheel, one world on one thread and many worlds on OpenMP threads, then
# prints the ratio tables (docs/benchmarks.md).
#
#   benchmarks/run_cpu.sh [benchmark flags ...] [name=MODEL.xml ...]
#
# Environment: SINEW_BENCH_BUILD (build folder, default build/bench-cpu: inside the ignored build/), SINEW_BENCH_MODELS
# ("name=path;..." replaces the default models), MIN_TIME (seconds per repetition, default 0.5),
# REPS (repetitions, default 5; the table uses their median).
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SINEW_BENCH_BUILD:-$SRC/build/bench-cpu}"

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSINEW_ENABLE_CUDA=OFF >/dev/null
cmake --build "$BUILD" -j2 --target sinew-bench-cpu
BIN="$BUILD/benchmarks/sinew-bench-cpu"
if [[ ! -x "$BIN" ]]; then
  echo "run_cpu.sh: sinew-bench-cpu was not built (see the CMake messages: Google Benchmark or the mujoco wheel missing)" >&2
  exit 1
fi

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
"$BIN" --benchmark_min_time="${MIN_TIME:-0.5}" --benchmark_repetitions="${REPS:-5}" \
  --benchmark_report_aggregates_only=true --benchmark_color=false "$@"
