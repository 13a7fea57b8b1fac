#!/usr/bin/env bash
# Downloads, on a machine with PyPI access, the Python packages the GPU benchmark's peers need on
# the device machine (Python 3.12, x86-64, CUDA driver 580; it has JAX 0.11.2, NumPy, SciPy,
# absl-py and etils but reaches no package registry), into a git-ignored folder that calls to the
# device carry:
#
#   .whl/peers/    mujoco 3.4.0 (cp312), mujoco-mjx 3.4.0 (MJX, and MuJoCo Warp vendored in it as
#                  mujoco.mjx.third_party.mujoco_warp: the MuJoCo Warp MuscleMimic runs),
#                  musclemimic-models 1.0.6, myo-sim 0.2.3, trimesh (MJX imports it)     ~36 MB
#   .whl/warp-a/, .whl/warp-b/
#                  warp-lang 1.10.0 (the version mujoco-mjx 3.4.0 pins for MuJoCo Warp) as an
#                  xz-compressed tar of its installed tree without the CPU compiler (warp-clang.so),
#                  tests and examples, split in two parts: its wheel is 133 MB and its warp.so
#                  alone 103 MB deflated / 66 MB xz, over the 64 MiB a device call carries
#   .whl/deps/     Debian 12 packages of Sinew's build dependencies the device image may lack
#                  (Eigen 3, tinyxml2, libzip, qhull, zlib; ~3 MB), unpacked there into a private prefix
#
#   benchmarks/gpu/fetch_wheels.sh [OUT_DIR]     (default: .whl in the repository root)
#
# docs/benchmarks.md ("GPU benchmark procedure") says how the parts travel. Environment: PYTHON
# (default python3, only pip is used), PY_VERSION (default 3.12), WARP_PART_MB (default 58).
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$SRC/.whl}"
PY="${PYTHON:-python3}"
PYV="${PY_VERSION:-3.12}"
PART_MB="${WARP_PART_MB:-58}"

PEERS=(mujoco==3.4.0 mujoco-mjx==3.4.0 musclemimic-models==1.0.6 myo-sim==0.2.3 trimesh==5.2.0)
WARP=warp-lang==1.10.0

plat=(--only-binary=:all: --python-version "$PYV" --implementation cp
      --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64
      --platform manylinux2014_x86_64 --platform manylinux1_x86_64)

mkdir -p "$OUT/peers"
echo "fetch_wheels: peers into $OUT/peers (Python $PYV)"
for p in "${PEERS[@]}"; do
  "$PY" -m pip download -q --no-deps "${plat[@]}" -d "$OUT/peers" "$p"
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetch_wheels: $WARP (repacked as xz parts of at most $PART_MB MB)"
"$PY" -m pip download -q --no-deps "${plat[@]}" -d "$tmp/dl" "$WARP"
mkdir -p "$tmp/site"
(cd "$tmp/site" && "$PY" -m zipfile -e "$tmp"/dl/warp_lang-*.whl .)
# the CPU backend's compiler (66 MB) and the package's own tests and examples are not needed:
# Warp runs without warp-clang.so (its CPU device then cannot compile kernels)
rm -rf "$tmp/site/warp/bin/warp-clang.so" "$tmp/site/warp/tests" "$tmp/site/warp/examples"
rm -rf "$OUT"/warp-a "$OUT"/warp-b
mkdir -p "$OUT/warp-a" "$OUT/warp-b"
tar -C "$tmp/site" -cf - . | xz -T0 -9e > "$tmp/warp.tar.xz"
split -b "${PART_MB}m" -d -a 1 "$tmp/warp.tar.xz" "$tmp/warp.tar.xz.part"
nparts=$(ls "$tmp"/warp.tar.xz.part* | wc -l)
if [[ "$nparts" -gt 2 ]]; then
  echo "fetch_wheels: warp needs $nparts parts of $PART_MB MB; raise WARP_PART_MB" >&2
  exit 1
fi
mv "$tmp/warp.tar.xz.part0" "$OUT/warp-a/"
[[ -f "$tmp/warp.tar.xz.part1" ]] && mv "$tmp/warp.tar.xz.part1" "$OUT/warp-b/"
(cd "$tmp" && sha256sum warp.tar.xz | sed 's/ .*//') > "$OUT/warp-b/warp.tar.xz.sha256"

# Sinew's build dependencies (README: Dependencies), as .deb files for `dpkg -x` into a prefix
rm -rf "$OUT/deps"
mkdir -p "$OUT/deps"
(cd "$OUT/deps" && apt-get download libeigen3-dev libtinyxml2-dev libtinyxml2-9 libzip-dev libzip4 libqhull-dev libqhull-r8.0 libpng-dev libpng16-16 zlib1g-dev zlib1g 2>&1 \
   | grep -v "^W: Download is performed unsandboxed") || echo "fetch_wheels: apt-get download failed: the device must have Eigen 3 and tinyxml2 itself" >&2

echo "fetch_wheels: done"
du -sh "$OUT"/peers "$OUT"/warp-a "$OUT"/warp-b "$OUT"/deps
ls -l "$OUT"/peers "$OUT"/warp-a "$OUT"/warp-b "$OUT"/deps
