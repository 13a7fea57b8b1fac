#!/usr/bin/env bash
# The main job: builds sinew-train / sinew-eval, trains a muscle-driven policy for models/arm.xml
# to imitate models/arm_reach.npz (PPO, the "arm" preset), evaluates it against the reference and
# prints the metrics and where the log, checkpoint and rollout are.
#
#   bash examples/run.sh     (MAIN_MODEL, MAIN_MOTION, STEPS, OUT, SEED, JOBS, BUILD_DIR, SINEW_ENABLE_CUDA from the environment)
set -euo pipefail
MAIN_MODEL=${MAIN_MODEL:-models/arm.xml}
MAIN_MOTION=${MAIN_MOTION:-models/arm_reach.npz}
STEPS=${STEPS:-3000000}
OUT=${OUT:-runs/arm}
SEED=${SEED:-0}
BUILD_DIR=${BUILD_DIR:-build}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tests/setup.sh --apt-only
# The main job trains on the CPU (exec::omp): CUDA stays off unless asked for
# (SINEW_ENABLE_CUDA=ON also compiles sinew-train's --backend cuda, several minutes of nvcc).
args=(-DCMAKE_BUILD_TYPE=Release "-DSINEW_ENABLE_CUDA=${SINEW_ENABLE_CUDA:-OFF}")
cmake -S . -B "$BUILD_DIR" "${args[@]}"
cmake --build "$BUILD_DIR" --parallel "${JOBS:-2}" --target sinew-train sinew-eval
"$BUILD_DIR/examples/sinew-train" --model "$MAIN_MODEL" --motion "$MAIN_MOTION" --out "$OUT" --preset arm \
  --steps "$STEPS" --seed "$SEED"
"$BUILD_DIR/examples/sinew-eval" --checkpoint "$OUT/final.npz" --model "$MAIN_MODEL" --motion "$MAIN_MOTION" --out "$OUT/eval"
