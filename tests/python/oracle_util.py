"""Helpers for the oracle tests that compare sinew-rollout with MuJoCo 3.4.0 (Python bindings).

- paths of our hand-written models (models/); the real models' paths and generated myo-sim
  wrappers come from models_util.py (shared with the compiler tests);
- random states inside the joint ranges;
- running sinew-rollout and reading its .npy output.
"""
import os
import subprocess

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUR_MODELS = os.path.join(REPO, "models")
ROLLOUT = os.environ.get("SINEW_ROLLOUT")
# MuscleMimic's training options (sinew-rollout --option names)
MUSCLEMIMIC = {"timestep": "0.002", "iterations": "4", "ls_iterations": "8", "flag.eulerdamp": "disable"}


def our_model(name):
    return os.path.join(OUR_MODELS, name + ".xml")


def random_unit_quat(rng, n):
    q = rng.normal(size=(n, 4))
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def random_states(m, n, rng, qvel_scale=1.0):
    """n random (qpos, qvel): limited hinge/slide joints uniform inside their range, unlimited ones
    qpos0 +- 1; ball and free rotations uniform random unit quaternions; free positions uniform in
    [-1, 1]^3 around qpos0; qvel ~ N(0, qvel_scale^2)."""
    import mujoco

    qpos = np.tile(m.qpos0, (n, 1))
    for j in range(m.njnt):
        a, t = m.jnt_qposadr[j], m.jnt_type[j]
        if t == mujoco.mjtJoint.mjJNT_FREE:
            qpos[:, a:a + 3] += rng.uniform(-1, 1, (n, 3))
            qpos[:, a + 3:a + 7] = random_unit_quat(rng, n)
        elif t == mujoco.mjtJoint.mjJNT_BALL:
            qpos[:, a:a + 4] = random_unit_quat(rng, n)
        elif m.jnt_limited[j]:
            lo, hi = m.jnt_range[j]
            qpos[:, a] = rng.uniform(lo, hi, n)
        else:
            qpos[:, a] += rng.uniform(-1, 1, n)
    qvel = qvel_scale * rng.normal(size=(n, m.nv))
    return qpos, qvel


def run_rollout(model, out_dir, *args, fields=None, check=True, timeout=300, env=None):
    """Runs sinew-rollout MODEL ARGS --fields F --out out_dir. Returns (CompletedProcess, dict of
    field -> array (W, N+1, dim)); with check=True a non-zero exit fails with the tool's stderr."""
    cmd = [ROLLOUT, str(model), *[str(a) for a in args]]
    if fields:
        cmd += ["--fields", ",".join(fields)]
    cmd += ["--out", str(out_dir)]
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)
    if check and p.returncode != 0:
        raise AssertionError(f"sinew-rollout failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-4000:]}")
    out = {}
    if p.returncode == 0 and fields:
        for f in fields:
            out[f] = np.load(os.path.join(out_dir, f + ".npy"))
    return p, out
