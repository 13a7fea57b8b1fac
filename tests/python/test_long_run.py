"""Long run (issue 4): MyoFullBody for 100,000 steps with random controls, drawn anew every step,
under MuscleMimic's training options (timestep 0.002, so 200 s simulated), from its keyframe. At
every step the world must stay finite (status 0: qpos, qvel and act finite) and never overflow
its contact or constraint-row capacity (the model's defaults). Takes about two to four minutes on
one core; SINEW_LONG_RUN_STEPS shortens it for a quick look.

Needs $SINEW_ROLLOUT; skips otherwise.
"""
import os

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from models_util import musclemimic_path
from oracle_util import MUSCLEMIMIC, ROLLOUT, run_rollout

pytestmark = pytest.mark.skipif(
    not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary (tools/sinew_rollout.cpp)")

STEPS = int(os.environ.get("SINEW_LONG_RUN_STEPS", "100000"))


def test_myofullbody_long_run(tmp_path):
    path = musclemimic_path("myofullbody")
    m = mujoco.MjModel.from_xml_path(path)
    np.save(tmp_path / "qpos0.npy", m.key_qpos[0][None])
    args = ["--steps", STEPS, "--random-ctrl", 2026, "--qpos0", tmp_path / "qpos0.npy"]
    for k, v in MUSCLEMIMIC.items():
        args += ["--option", f"{k}={v}"]
    fields = ["status", "ncon", "nefc", "nconoverflow", "nefcoverflow", "time"]
    proc, out = run_rollout(path, tmp_path, *args, fields=fields, timeout=3600)
    status = out["status"][0, :, 0]
    bad = np.nonzero(status != 0)[0]
    assert bad.size == 0, f"world flagged non-finite from step {bad[0]}"
    assert out["nconoverflow"].max() == 0 and out["nefcoverflow"].max() == 0
    assert out["time"][0, -1, 0] == pytest.approx(0.002 * STEPS, rel=1e-9)
    ncon, nefc = out["ncon"][0, :, 0], out["nefc"][0, :, 0]
    assert ncon.max() > 0  # the body does touch the floor (and itself)
    print(f"{STEPS} steps: max ncon {int(ncon.max())}, mean {ncon.mean():.1f}; max nefc {int(nefc.max())}, "
          f"mean {nefc.mean():.1f}; {proc.stdout.strip().splitlines()[-1]}")
