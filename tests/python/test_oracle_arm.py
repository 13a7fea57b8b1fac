"""models/arm.xml (the README's main-job model: 6 muscles on spatial tendons with sphere and
cylinder wrapping and sidesites) against MuJoCo 3.4.0 over whole 1000-step trajectories with
random controls, under Euler (eulerdamp on and off), implicitfast, RK4 and implicit.

Every step's qpos, qvel, act, ten_length and actuator_force are compared with MuJoCo's
mj_forward/mj_step loop fed the same controls. Double tolerance: 1e-9 relative to the largest
magnitude of each field over the run (measured below 1e-15: the arm is not chaotic over 2 s, and
Sinew follows MuJoCo's operation order; the bound leaves room for another platform's libm). Float:
2e-5 relative, measured below 3e-6: float32 rounding (6e-8 per operation) accumulated over 1000
steps through the wrapping geometry (acos near +-1) and the muscle curves.
"""
import os

import numpy as np
import pytest

from oracle_util import ROLLOUT, our_model, run_rollout

mujoco = pytest.importorskip("mujoco")
pytestmark = pytest.mark.skipif(not ROLLOUT, reason="SINEW_ROLLOUT is not set (path to sinew-rollout)")

NSTEP = 1000
FIELDS = ["qpos", "qvel", "act", "ten_length", "actuator_force"]
SETTINGS = {
    "euler": [],
    "euler_noeulerdamp": ["--option", "flag.eulerdamp=disable"],
    "implicitfast": ["--option", "integrator=implicitfast"],
    "rk4": ["--option", "integrator=RK4"],
    "implicit": ["--option", "integrator=implicit"],
}


def _mujoco_run(m, ctrl, qpos0):
    d = mujoco.MjData(m)
    d.qpos[:] = qpos0
    out = {f: np.zeros((NSTEP + 1, getattr(d, f).size)) for f in FIELDS}
    for t in range(NSTEP + 1):
        d.ctrl[:] = ctrl[min(t, NSTEP - 1)]
        mujoco.mj_forward(m, d)
        for f in FIELDS:
            out[f][t] = getattr(d, f).ravel()
        if t < NSTEP:
            mujoco.mj_step(m, d)
    return out


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_arm_trajectory(setting, tmp_path):
    path = our_model("arm")
    m = mujoco.MjModel.from_xml_path(path)
    if setting == "euler_noeulerdamp":
        m.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_EULERDAMP
    elif setting == "implicitfast":
        m.opt.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    elif setting == "rk4":
        m.opt.integrator = mujoco.mjtIntegrator.mjINT_RK4
    elif setting == "implicit":
        m.opt.integrator = mujoco.mjtIntegrator.mjINT_IMPLICIT
    rng = np.random.default_rng(7)
    # slowly varying random excitations in [0, 1]
    knots = rng.uniform(0, 1, (NSTEP // 100 + 2, m.nu))
    tt = np.arange(NSTEP) / 100.0
    ctrl = np.stack([np.interp(tt, np.arange(len(knots)), knots[:, u]) for u in range(m.nu)], axis=1)
    np.save(tmp_path / "ctrl.npy", ctrl)
    qpos0 = m.key_qpos[0]
    ref = _mujoco_run(m, ctrl, qpos0)
    args = ["--steps", NSTEP, "--keyframe", "rest", "--ctrl", tmp_path / "ctrl.npy", *SETTINGS[setting]]
    _, dbl = run_rollout(path, tmp_path / "d", *args, fields=FIELDS)
    _, flt = run_rollout(path, tmp_path / "f", *args, "--precision", "float", fields=FIELDS)
    # the arm must actually move: a test of a model at rest would prove little
    assert np.ptp(ref["qpos"], axis=0).max() > 0.5
    for f in FIELDS:
        scale = max(1.0, np.abs(ref[f]).max())
        ed = np.abs(dbl[f][0] - ref[f]).max() / scale
        ef = np.abs(flt[f][0].astype(np.float64) - ref[f]).max() / scale
        print(f"arm {setting} {f}: double {ed:.2e}, float {ef:.2e} (relative to {scale:.3g})")
        assert ed <= 1e-9, (f, ed)
        assert ef <= 2e-5, (f, ef)
