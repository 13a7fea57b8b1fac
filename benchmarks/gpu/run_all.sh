#!/usr/bin/env bash
# Sinew against MuJoCo Warp (and MJX) on the GPU machine, in one command: builds sinew-bench with
# CUDA (sm_90), installs the carried peer wheels (benchmarks/gpu/fetch_wheels.sh made them) into a
# private site folder, runs Sinew and the peers on MyoFullBody, BimanualMuscle and myo-sim's legs
# at nworld 1024 .. 16384 under MuscleMimic's options, writes the results as JSON lines and prints
# a markdown table of Sinew / peer ratios naming the device.
#
#   bash benchmarks/gpu/run_all.sh stage   # optional first call (carry .whl/warp-a, .whl/deps): keeps
#                                          # warp part a on the machine, builds sinew-bench
#   bash benchmarks/gpu/run_all.sh         # the benchmark (carry .whl/peers, .whl/warp-b, .whl/deps)
#
# Why two calls: warp-lang's wheel (133 MB; 66 MB as xz without its CPU compiler) does not fit in
# the 64 MiB one device call carries together with the other wheels, so it travels in two parts;
# the first call leaves part a in $STAGE, which a warm machine keeps for the next call. Without
# part a (one call only, or a machine that went cold), MuJoCo Warp is reported unavailable and MJX
# (JAX, already on the device) is the peer.
#
# Environment: WHEELS (default .whl), STAGE (default /tmp/sinew-gpu), BUILD (default build/gpu),
# NWORLDS ("1024 2048 4096 8192 16384"), STEPS (timed steps, default 200), MJX_STEPS (default 50),
# MJX_NWORLDS (default "1024 8192": JAX compiles once per size),
# PEERS ("mjwarp mjwarp-nocon mjx"), MODELS (default "myofullbody bimanual myolegs"),
# BUDGET_S (stop starting runs after this many seconds, default 520), PEER_TIMEOUT_S (per peer and
# model, default 240), PRECISION (Sinew's, default float), OUT (results folder; the device tool's
# $OUT when set, else build/gpu/results). A later call on the same warm machine needs no carry:
# the build, the installed packages and warp stay in $BUILD and $STAGE (e.g. MODELS=bimanual).
set -uo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$SRC"
T0=$SECONDS
MODE="${1:-run}"
WHEELS="${WHEELS:-$SRC/.whl}"
STAGE="${STAGE:-/tmp/sinew-gpu}"
BUILD="${BUILD:-$SRC/build/gpu}"
NWORLDS="${NWORLDS:-1024 2048 4096 8192 16384}"
STEPS="${STEPS:-200}"
MJX_STEPS="${MJX_STEPS:-50}"
MJX_NWORLDS="${MJX_NWORLDS:-1024 8192}"
PEERS="${PEERS:-mjwarp mjwarp-nocon mjx}"
MODELS="${MODELS:-myofullbody bimanual myolegs}"
BUDGET_S="${BUDGET_S:-520}"
PEER_TIMEOUT_S="${PEER_TIMEOUT_S:-240}"
PRECISION="${PRECISION:-float}"
RES="${OUT:-$BUILD/results}"
PY="${PYTHON:-python3}"
export MUJOCO_GL=disable PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
# MuscleMimic's physics options (docs: /work/shared/docs/musclemimic-reference.md)
OPTS=(timestep=0.002 iterations=4 ls_iterations=8 flag.eulerdamp=disable)
CAPS=(--nconmax 96 --njmax 768)  # MuscleMimic's per-world contact and constraint-row budget, both engines

log() { echo "[run_all $((SECONDS - T0))s] $*"; }
mkdir -p "$STAGE" "$RES"

build_sinew() {
  if [[ -x "$BUILD/tools/sinew-bench" ]] && "$BUILD/tools/sinew-bench" --help >/dev/null 2>&1; then
    log "sinew-bench already built in $BUILD"
    return 0
  fi
  log "building sinew-bench (CUDA, sm_90) into $BUILD"
  # Eigen 3, tinyxml2, libzip, qhull and zlib from the carried Debian packages, unpacked into a private
  # prefix (never into /), searched before the system's
  local deps=()
  if compgen -G "$WHEELS/deps/*.deb" >/dev/null; then
    local D="$STAGE/deps"
    mkdir -p "$D"
    for f in "$WHEELS"/deps/*.deb; do dpkg -x "$f" "$D"; done
    deps+=("-DCMAKE_PREFIX_PATH=$D/usr")
    if [[ ! -f /usr/include/zlib.h ]]; then
      ln -sf "$D/lib/x86_64-linux-gnu/libz.so.1" "$D/usr/lib/x86_64-linux-gnu/libz.so"
      deps+=("-DZLIB_INCLUDE_DIR=$D/usr/include" "-DZLIB_LIBRARY=$D/usr/lib/x86_64-linux-gnu/libz.so")
    fi
  fi
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSINEW_ENABLE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
        -DSINEW_BUILD_TESTS=OFF -DSINEW_BUILD_BENCHMARKS=OFF "${deps[@]}" \
        -DSINEW_BENCH_CUDA_DOUBLE="$([[ "$PRECISION" == double ]] && echo ON || echo OFF)" > "$STAGE/cmake.log" 2>&1 \
    || { tail -30 "$STAGE/cmake.log"; return 1; }
  cmake --build "$BUILD" -j"$(nproc)" --target sinew-bench > "$STAGE/build.log" 2>&1 \
    || { grep -m20 -B2 -A8 "error" "$STAGE/build.log"; return 1; }
  log "built"
}

if [[ "$MODE" == "stage" ]]; then
  if compgen -G "$WHEELS/warp-a/warp.tar.xz.part*" >/dev/null; then
    cp "$WHEELS"/warp-a/warp.tar.xz.part* "$STAGE/" && log "kept $(ls "$WHEELS"/warp-a) in $STAGE"
  else
    log "no $WHEELS/warp-a: nothing to keep (carry .whl/warp-a)"
  fi
  build_sinew
  exit $?
fi

# ---- device ----------------------------------------------------------------------------------
DEVICE="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
log "device: ${DEVICE:-no nvidia-smi}; nvcc: $(nvcc --version 2>/dev/null | tail -1)"
build_sinew || { log "sinew-bench did not build"; exit 1; }
BENCH="$BUILD/tools/sinew-bench"

# ---- peers' packages -------------------------------------------------------------------------
SITE="$STAGE/site"
mkdir -p "$SITE"
if compgen -G "$WHEELS/peers/*.whl" >/dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" \
      "$WHEELS"/peers/*.whl > "$STAGE/pip.log" 2>&1 && log "installed $(ls "$WHEELS"/peers | tr '\n' ' ')" \
    || { log "pip install of the peer wheels failed:"; tail -5 "$STAGE/pip.log"; }
else
  log "no wheels in $WHEELS/peers (run benchmarks/gpu/fetch_wheels.sh here and carry .whl/peers)"
fi
# warp-lang: part a from the stage call (or carried now), part b carried now
for f in "$WHEELS"/warp-a/warp.tar.xz.part* "$WHEELS"/warp-b/warp.tar.xz.part*; do
  [[ -f "$f" ]] && cp "$f" "$STAGE/"
done
if [[ ! -d "$SITE/warp" ]]; then
  if [[ -f "$STAGE/warp.tar.xz.part0" ]]; then
    cat "$STAGE"/warp.tar.xz.part* > "$STAGE/warp.tar.xz"
    want="$(cat "$WHEELS/warp-b/warp.tar.xz.sha256" 2>/dev/null)"
    have="$(sha256sum "$STAGE/warp.tar.xz" | cut -d' ' -f1)"
    if [[ -n "$want" && "$want" != "$have" ]]; then
      log "warp-lang parts do not match their checksum (a part is missing or stale): MuJoCo Warp unavailable"
    else
      xz -dc "$STAGE/warp.tar.xz" | tar -x -C "$SITE" && log "unpacked warp-lang into $SITE"
    fi
  else
    log "warp-lang part a is not on this machine (no stage call, or the machine went cold): MuJoCo Warp unavailable"
  fi
fi
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"

# ---- models ----------------------------------------------------------------------------------
declare -A MODEL_PATH
if "$PY" -c "import musclemimic_models" 2>/dev/null; then
  MODEL_PATH[myofullbody]="$("$PY" -c "import musclemimic_models as m; print(m.get_xml_path('myofullbody'))")"
  MODEL_PATH[bimanual]="$("$PY" -c "import musclemimic_models as m; print(m.get_xml_path('bimanual'))")"
fi
if "$PY" -c "import myo_sim" 2>/dev/null; then
  # myo-sim's legs (80 muscles, free root, floor), the wrapper the oracle tests generate
  MODEL_PATH[myolegs]="$("$PY" -c "
import sys; sys.path.insert(0, 'tests/python')
import models_util; print(models_util.write_wrappers('$STAGE')['myolegs'])")"
fi
RJ="$RES/results.jsonl"
: > "$RJ"
for name in $MODELS; do
  p="${MODEL_PATH[$name]:-}"
  if [[ -z "$p" ]]; then
    log "model $name: its package is not installed (carry .whl/peers): skipped"
    continue
  fi
  echo "{\"engine\": \"meta\", \"model\": \"$name\", \"model_path\": \"$p\"}" >> "$RJ"
done

optargs=()
for o in "${OPTS[@]}"; do optargs+=(--option "$o"); done
budget_left() { (( SECONDS - T0 < BUDGET_S )); }

# ---- runs: Sinew on every model and size first, then each peer in PEERS order (one process per
# peer and model, all sizes), so that a spent time budget drops the least important runs ------
for name in $MODELS; do
  p="${MODEL_PATH[$name]:-}"
  [[ -z "$p" ]] && continue
  for nw in $NWORLDS; do
    budget_left || { log "time budget spent: Sinew $name $nw skipped"; continue; }
    stages=(--no-stages)
    [[ "$nw" == 8192 ]] && stages=()
    if line="$(timeout 120 "$BENCH" "$p" --backend cuda --precision "$PRECISION" --nworld "$nw" --steps "$STEPS" \
                 --warmup 20 "${optargs[@]}" "${CAPS[@]}" "${stages[@]}" --json 2> "$STAGE/sinew.err")"; then
      echo "$line" >> "$RJ"
      log "sinew $name $nw: $("$PY" -c "import json,sys; r=json.loads(sys.argv[1]); print(f\"{r['steps_per_second']:.4g} world-steps/s, {r['resets']} resets\")" "$line")"
    else
      log "sinew $name $nw failed: $(tail -3 "$STAGE/sinew.err")"
      echo "{\"engine\": \"sinew-failed\", \"model\": \"$name\", \"nworld\": $nw, \"status\": \"failed\", \"reason\": $("$PY" -c 'import json,sys; print(json.dumps(sys.stdin.read()[-500:]))' < "$STAGE/sinew.err")}" >> "$RJ"
    fi
  done
done
for peer in $PEERS; do
  for name in $MODELS; do
    p="${MODEL_PATH[$name]:-}"
    [[ -z "$p" ]] && continue
    budget_left || { log "time budget spent: $peer $name skipped"; continue; }
    left=$(( BUDGET_S - (SECONDS - T0) )); (( left > PEER_TIMEOUT_S )) && left=$PEER_TIMEOUT_S
    extra=(); steps="$STEPS"; engine="$peer"; sizes="$NWORLDS"
    case "$peer" in
      mjwarp-nocon) engine=mjwarp; extra=(--option flag.constraint=disable --option flag.contact=disable) ;;
      mjx|mjx-warp) steps="$MJX_STEPS"; sizes="$MJX_NWORLDS" ;;  # JAX compiles once per size
    esac
    log "$peer $name (timeout ${left}s)"
    timeout "$left" "$PY" benchmarks/gpu/peer_bench.py "$p" --peer "$engine" --name "$name" --nworld $sizes \
        --steps "$steps" --warmup 50 --graph-steps 50 "${optargs[@]}" "${CAPS[@]}" "${extra[@]}" > "$STAGE/peer.out" 2> "$STAGE/peer.err"
    rc=$?
    # records carry the peer's name as run_all knows it (mjwarp-nocon is mjwarp with constraints off)
    sed "s/\"engine\": \"$engine\"/\"engine\": \"$peer\"/" "$STAGE/peer.out" >> "$RJ"
    if (( rc == 124 )); then
      log "$peer $name: timed out after ${left}s"
      echo "{\"engine\": \"$peer\", \"model\": \"$name\", \"status\": \"failed\", \"reason\": \"timed out after ${left}s (sizes above the last reported one did not run)\"}" >> "$RJ"
    elif (( rc == 2 )); then
      log "$peer $name: unavailable: $(grep -o '"reason": "[^"]*' "$STAGE/peer.out" | head -1 | cut -c12-300)"
    elif (( rc != 0 )); then
      log "$peer $name: exit $rc: $(tail -2 "$STAGE/peer.err" | cut -c1-300)"
    fi
  done
done

# ---- table -----------------------------------------------------------------------------------
"$PY" benchmarks/gpu/table.py "$RJ" --device "$DEVICE" | tee "$RES/table.md"
log "results: $RJ, $RES/table.md"
