#!/usr/bin/env bash
# The main job: builds sinew-simulate and simulates MAIN_MODEL in many worlds at once.
#
#   bash examples/run.sh     (MAIN_MODEL, NWORLD, STEPS, JOBS, BUILD_DIR, SINEW_ENABLE_CUDA from the environment)
set -euo pipefail
MAIN_MODEL=${MAIN_MODEL:-models/arm.xml}
NWORLD=${NWORLD:-1024}
STEPS=${STEPS:-1000}
BUILD_DIR=${BUILD_DIR:-build}

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tests/setup.sh --apt-only
args=(-DCMAKE_BUILD_TYPE=Release)
[[ -n "${SINEW_ENABLE_CUDA:-}" ]] && args+=("-DSINEW_ENABLE_CUDA=${SINEW_ENABLE_CUDA}")
cmake -S . -B "$BUILD_DIR" "${args[@]}"
cmake --build "$BUILD_DIR" --parallel "${JOBS:-2}" --target sinew-simulate
"$BUILD_DIR/examples/sinew-simulate" "$MAIN_MODEL" --nworld "$NWORLD" --steps "$STEPS"
