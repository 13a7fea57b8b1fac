#!/usr/bin/env bash
# Builds Sinew and runs every test: `bash tests/run.sh` (what CI runs, via .ci/run).
#
# Environment: SINEW_ENABLE_CUDA=ON|OFF (default: ON where nvcc exists; CUDA tests skip without a
# GPU), SINEW_CUDA_ARCHITECTURES (default: 90 where a GPU is visible, 90-virtual where none is),
# JOBS (default 2), BUILD_DIR (default build), CTEST_ARGS (extra ctest arguments),
# SINEW_SANITIZE=0 (skip the sanitizer pass at the end; default 1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=${JOBS:-2}
build=${BUILD_DIR:-build}
args=(-DCMAKE_BUILD_TYPE=Release -DSINEW_BUILD_TESTS=ON -DSINEW_BUILD_EXAMPLES=ON)
# Unset: CMake's default (ON where nvcc exists), even where examples/run.sh left OFF in the cache.
if [[ -n "${SINEW_ENABLE_CUDA:-}" ]]; then args+=("-DSINEW_ENABLE_CUDA=${SINEW_ENABLE_CUDA}"); else args+=(-USINEW_ENABLE_CUDA); fi
# Without a GPU the CUDA binaries are compiled and never run: nvcc stops at PTX for compute_90
# (front end and cicc, NVVM's optimizer, run in full; a GPU driver would JIT-compile the PTX).
# ptxas, the PTX-to-SASS assembler, is skipped: it took 556 of nvcc's 671 s on
# tools/rollout_cuda.cu here, for code this machine cannot run. With a GPU: SASS for sm_90.
if [[ -n "${SINEW_CUDA_ARCHITECTURES:-}" ]]; then
  cuda_arch=$SINEW_CUDA_ARCHITECTURES
elif nvidia-smi -L >/dev/null 2>&1; then
  cuda_arch=90
else
  cuda_arch=90-virtual
fi
args+=("-DCMAKE_CUDA_ARCHITECTURES=${cuda_arch}")

t0=$SECONDS
bash tests/setup.sh
t1=$SECONDS
cmake -S . -B "$build" "${args[@]}"
t2=$SECONDS
cmake --build "$build" --parallel "$jobs"
t3=$SECONDS
status=0
# ctest runs $jobs tests at once. Each gets one OpenMP thread unless the caller set OMP_NUM_THREADS:
# two multi-threaded processes sharing the cores collapse at OpenMP's barriers (measured here:
# sinew-train 8x slower beside another 2-thread process; 1 thread each loses nothing). Tests that
# exercise threading ask for their thread counts explicitly (exec::OpenMP{2}, OMP_NUM_THREADS=2).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure --parallel "$jobs" --timeout 3600 ${CTEST_ARGS:-} || status=$?
t4=$SECONDS
echo "tests/run.sh: setup $((t1 - t0)) s, configure $((t2 - t1)) s, build $((t3 - t2)) s, test $((t4 - t3)) s"

# Sanitizer pass: the C++ doctest suite and the fuzz corpus replays (the tests labelled `cpp`)
# built again with AddressSanitizer and UndefinedBehaviorSanitizer (-O1, any report fatal) and run.
# clang from Debian, not g++: g++ spent over 20 min on one test file with both sanitizers, clang
# 45 s. No CUDA, examples or Python here: those run in the pass above.
case ${SINEW_SANITIZE:-1} in 0 | OFF | off | false | no) sanitize=0 ;; *) sanitize=1 ;; esac
if [[ $sanitize == 1 ]]; then
  sbuild=${build%/}-sanitize
  san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  # RelWithDebInfo with its flags replaced: -O1 and line tables, asserts on (no NDEBUG)
  cmake -S . -B "$sbuild" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" "-DCMAKE_CXX_FLAGS=$san" \
        "-DCMAKE_EXE_LINKER_FLAGS=$san" -DSINEW_BUILD_TESTS=ON -DSINEW_BUILD_EXAMPLES=OFF \
        -DSINEW_BUILD_BENCHMARKS=OFF -DSINEW_ENABLE_CUDA=OFF >/dev/null
  cmake --build "$sbuild" --parallel "$jobs" --target sinew_cpp_tests
  t5=$SECONDS
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    ctest --test-dir "$sbuild" --output-on-failure --parallel "$jobs" --timeout 3600 -L cpp || status=$?
  t6=$SECONDS
  echo "tests/run.sh: sanitizer pass (ASan + UBSan, clang): build $((t5 - t4)) s, test $((t6 - t5)) s"
fi
exit $status
