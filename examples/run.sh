#!/usr/bin/env bash
# The main job: builds sinew-train / sinew-eval, trains a muscle-driven policy for models/arm.xml
# to imitate models/arm_reach.npz (PPO, the "arm" preset), evaluates it against the reference and
# prints the metrics and where the log, checkpoint and rollout are, then draws its pictures.
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
"$BUILD_DIR/tools/sinew-train" --model "$MAIN_MODEL" --motion "$MAIN_MOTION" --out "$OUT" --preset arm \
  --steps "$STEPS" --seed "$SEED"
"$BUILD_DIR/tools/sinew-eval" --checkpoint "$OUT/final.npz" --model "$MAIN_MODEL" --motion "$MAIN_MOTION" --out "$OUT/eval"

# Pictures of the result: learning curves, each joint against the reference, the muscle
# activations and a video of the trained arm with its reference as a translucent ghost
# (python/sinew/plots.py and render.py, run as scripts: the sinew package need not be built).
# Never a failure: without the packages (tests/setup.sh --viz) they are skipped with a message.
bash tests/setup.sh --viz >/dev/null 2>&1 || true
if python3 -c "import matplotlib, imageio, mujoco" 2>/dev/null; then
  py=python/sinew
  python3 $py/plots.py learning "$OUT/log.csv" --out "$OUT/learning.png" >/dev/null &&
    python3 $py/plots.py tracking "$OUT/eval" --out "$OUT/eval/joints.png" >/dev/null &&
    python3 $py/plots.py activation "$OUT/eval" --model "$MAIN_MODEL" --out "$OUT/eval/activation.png" >/dev/null &&
    python3 $py/render.py "$MAIN_MODEL" "$OUT/eval/rollout.npz" --ghost "$OUT/eval/reference.npz" \
      --out "$OUT/eval/rollout.mp4" >/dev/null 2>&1 &&
    printf 'learning curves: %s\njoint tracking: %s\nmuscle activation: %s\nvideo (reference as ghost): %s\n' \
      "$OUT/learning.png" "$OUT/eval/joints.png" "$OUT/eval/activation.png" "$OUT/eval/rollout.mp4" ||
    echo "pictures: could not be made (see python3 python/sinew/render.py --help); the results above stand"
else
  echo "pictures skipped: Python packages missing (bash tests/setup.sh --viz installs them)"
fi
