#!/usr/bin/env bash
# Fuzzes Sinew's file readers with clang's libFuzzer under AddressSanitizer and UBSan (Debian's
# clang), each target for SECONDS (default 60), starting from its seed corpus in tests/fuzz/corpus;
# new inputs go to a scratch folder, crashes to tests/fuzz/crashes/ (keep them: CTest's
# fuzz_replay re-runs every one). Prints the executions per target.
#
#   bash tests/fuzz/run.sh [SECONDS] [JOBS] [TARGETS]   # TARGETS: "npz deepmimic bvh stl mjcf smplh" (default: all)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
secs=${1:-60}
jobs=${2:-1}
out=${FUZZ_BUILD:-/tmp/sinew-fuzz}
mkdir -p "$out"
cccl=/usr/local/cuda/include/cccl
[[ -d $cccl ]] || cccl=/usr/include  # Debian's libthrust-dev
for target in ${3:-npz deepmimic bvh stl mjcf smplh}; do
  bin="$out/fuzz_$target"
  case $target in
    npz | smplh) extra=(-lzip) ;;
    # the retargeting headers: Eigen, Thrust's OpenMP system, tinyxml2, nlohmann/json
    bvh | stl) extra=() ;;
    deepmimic | mjcf) extra=(-fopenmp -I/usr/include/eigen3 -I"$cccl" -DTHRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_OMP
                             -ltinyxml2 -lzip -lqhull_r -lpng) ;;
    *) echo "unknown fuzz target $target" >&2; exit 2 ;;
  esac
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude \
    "tests/fuzz/fuzz_$target.cpp" "${extra[@]}" -o "$bin"
  art="$root/tests/fuzz/crashes/"  # npz's reproducers sit at the top, the others' in a folder each
  [[ $target == npz ]] || art+="$target/"
  mkdir -p "$art"
  work="$out/corpus_$target"
  mkdir -p "$work"
  echo "fuzz_$target: ${secs}s, $jobs job(s)"
  # from $out: libFuzzer writes its fuzz-<n>.log files into the working folder
  (cd "$out" && "$bin" "$work" "$root/tests/fuzz/corpus/$target" -max_total_time="$secs" -jobs="$jobs" -workers="$jobs" \
    -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="$art" -print_final_stats=1 2>&1) |
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Done" || true
done
