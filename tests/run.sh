#!/usr/bin/env bash
# Builds Sinew and runs every test: `bash tests/run.sh` (what CI runs, via .ci/run).
#
# Environment: SINEW_ENABLE_CUDA=ON|OFF (default: ON where nvcc exists; CUDA tests skip without a
# GPU), JOBS (default 2), BUILD_DIR (default build), CTEST_ARGS (extra ctest arguments).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=${JOBS:-2}
build=${BUILD_DIR:-build}
args=(-DCMAKE_BUILD_TYPE=Release -DSINEW_BUILD_TESTS=ON -DSINEW_BUILD_EXAMPLES=ON)
# Unset: CMake's default (ON where nvcc exists), even where examples/run.sh left OFF in the cache.
if [[ -n "${SINEW_ENABLE_CUDA:-}" ]]; then args+=("-DSINEW_ENABLE_CUDA=${SINEW_ENABLE_CUDA}"); else args+=(-USINEW_ENABLE_CUDA); fi

t0=$SECONDS
bash tests/setup.sh
t1=$SECONDS
cmake -S . -B "$build" "${args[@]}"
t2=$SECONDS
cmake --build "$build" --parallel "$jobs"
t3=$SECONDS
status=0
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure --parallel "$jobs" --timeout 3600 ${CTEST_ARGS:-} || status=$?
t4=$SECONDS
echo "tests/run.sh: setup $((t1 - t0)) s, configure $((t2 - t1)) s, build $((t3 - t2)) s, test $((t4 - t3)) s"
exit $status
