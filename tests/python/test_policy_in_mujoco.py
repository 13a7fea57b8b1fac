"""A policy trained by sinew-train runs unchanged in MuJoCo (examples/python/policy_in_mujoco.py).

The main job's setting (models/arm.xml, models/arm_reach.npz, the arm preset, seed 0) trained for
1M env steps (the main job trains 3M; 1M keeps the test near a minute), evaluated by sinew-eval
(Sinew's simulator, float32 as trained) and by the example (MuJoCo 3.4, float64, the observation
rebuilt from MjData). Tolerances: the two simulators agree to rounding, so what differs is float32
against float64 along a 2 s closed loop; measured qpos differences are about 1e-5 rad, and the
test allows 1e-3 rad per frame and 1e-3 on each metric (joint_r, joint_rmse in rad, site_error in
m). The policy must track its motion in both: no early termination, joint_r >= 0.95."""
import json
import os
import subprocess

import numpy as np
import pytest

from models_util import load_source

mujoco = pytest.importorskip("mujoco")
sinew = pytest.importorskip("sinew")
TRAIN, EVAL = os.environ.get("SINEW_TRAIN"), os.environ.get("SINEW_EVAL")
ROOT = os.environ.get("SINEW_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
pytestmark = pytest.mark.skipif(not TRAIN or not EVAL, reason="SINEW_TRAIN / SINEW_EVAL are not set")


def example():
    return load_source("policy_in_mujoco", os.path.join(ROOT, "examples/python/policy_in_mujoco.py"))


def run(*args):
    r = subprocess.run([*map(str, args)], capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return r


def reset_and_step(env, task, m, ref, cfg):
    """(MuJoCo's observation, Sinew's) at a reset of world 0 and after one control step with
    random actions; the reference frame of each from the environment's info."""
    obs, info = env.reset(seed=3)
    q0 = int(info["frame"][0])
    start, end = int(ref["split_points"][0]), int(ref["split_points"][1])
    d = mujoco.MjData(m)
    d.qpos[:], d.qvel[:] = ref["qpos"][q0], ref["qvel"][q0]
    mujoco.mj_forward(m, d)
    pairs = [(task.observation(d, q0, start, end), obs[0])]
    a = np.random.default_rng(0).uniform(-1, 1, (1, m.nu)).astype(np.float32)
    obs, _, _, _, info = env.step(a)
    assert int(info["frame"][0]) == min(q0 + 1, end - 1)
    task.apply_action(d, a[0].astype(np.float64))
    for _ in range(cfg["substeps"]):
        mujoco.mj_step(m, d)
    mujoco.mj_forward(m, d)
    pairs.append((task.observation(d, min(q0 + 1, end - 1), start, end), obs[0]))
    return pairs


def test_arm_policy_tracks_its_motion_in_mujoco_as_in_sinew(tmp_path):
    arm, reach = f"{ROOT}/models/arm.xml", f"{ROOT}/models/arm_reach.npz"
    out = tmp_path / "arm"
    run(TRAIN, "--model", arm, "--motion", reach, "--out", out, "--preset", "arm", "--steps", 1000000, "--seed", 0, "--quiet")
    run(EVAL, "--checkpoint", out / "final.npz", "--model", arm, "--motion", reach, "--out", out / "eval")
    r = run("python3", f"{ROOT}/examples/python/policy_in_mujoco.py", "--checkpoint", out / "final.npz", "--model", arm,
            "--motion", reach, "--out", out / "mujoco", "--compare", out / "eval" / "metrics.json")
    print(r.stdout)
    s = json.load(open(out / "eval" / "metrics.json"))["overall"]
    m = json.load(open(out / "mujoco" / "metrics.json"))["overall"]
    assert m["early_termination"] == 0 and s["early_termination"] == 0
    assert m["joint_r"] >= 0.95 and s["joint_r"] >= 0.95
    for k in ("joint_r", "joint_rmse", "site_error", "mean_activation"):
        assert abs(m[k] - s[k]) <= 1e-3, (k, m[k], s[k])
    a, b = np.load(out / "mujoco" / "rollout.npz"), np.load(out / "eval" / "rollout.npz")
    assert a["qpos"].shape == b["qpos"].shape
    assert np.abs(a["qpos"] - b["qpos"]).max() <= 1e-3


def test_observation_and_reference_kinematics_equal_sinews():
    """The observation the example builds from MuJoCo's MjData equals Sinew's environment's at a
    reset (float32 environment: 1e-5 relative), and MuJoCo's kinematics of the reference frames
    equal the ones Sinew fills (1e-12)."""
    ex = example()
    arm, reach = f"{ROOT}/models/arm.xml", f"{ROOT}/models/arm_reach.npz"
    sm = sinew.Model.from_xml_path(arm)
    env = sinew.ImitationEnv(sm, reach, num_envs=1, preset="arm", seed=3)
    cfg = json.loads(env._e.config_json())
    ref = sinew.reference(sm, reach, preset="arm")
    m = mujoco.MjModel.from_xml_path(arm)
    task = ex.MujocoImitation(m, ref, cfg)
    for f in range(0, len(ref["qpos"]), 17):
        assert np.abs(task.ref_kin[f].site_xpos - ref["site_xpos"][f]).max() <= 1e-12
        assert np.abs(task.ref_kin[f].cvel - ref["cvel"][f]).max() <= 1e-12
    for o, so in reset_and_step(env, task, m, ref, cfg):
        assert np.allclose(o, so, rtol=1e-4, atol=1e-4), np.abs(o - so).max()


def test_myofullbody_observation_equals_sinews(tmp_path):
    """The free-root path (root height, orientation and local velocity, future root deltas, touch
    sensors, MuscleMimic's 17 mimic sites added to the MuJoCo model by MjSpec): the example's
    observation from MjData against Sinew's environment at a reset and after one control step
    with contacts. Sinew's environment is float32 and muscle forces reach ~1e3 N, so each value
    must agree to 2e-3 x (1 + |value|) (measured: 5e-4)."""
    from models_util import musclemimic_path, standing_motion
    ex = example()
    xml = musclemimic_path("myofullbody")
    motion = tmp_path / "stand.npz"
    standing_motion(xml, motion)
    sm = sinew.Model.from_xml_path(xml)
    env = sinew.ImitationEnv(sm, motion, num_envs=1, preset="fullbody", seed=3)
    cfg = env.config
    ref = sinew.reference(sm, motion, preset="fullbody", mimic_sites=cfg["mimic_sites"])
    m = ex.add_mimic_sites(xml, cfg["mimic_sites"].split(","))
    task = ex.MujocoImitation(m, ref, cfg)
    sid = [list(ref["site_names"]).index(n) for n in cfg["mimic_sites"].split(",")]
    for f in (0, len(ref["qpos"]) - 1):
        assert np.abs(task.ref_kin[f].site_xpos[task.sites] - ref["site_xpos"][f][sid]).max() <= 1e-9
    for o, so in reset_and_step(env, task, m, ref, cfg):
        assert o.shape == so.shape
        assert (np.abs(o - so) <= 2e-3 * (1 + np.abs(o))).all(), np.abs(o - so).max()
