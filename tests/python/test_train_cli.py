"""sinew-train and sinew-eval on the real embodiments (BimanualMuscle, MyoFullBody with MuscleMimic's
mimic sites) for a few updates with small networks, and the command line's errors for bad input.

The motions are standing clips made here from each model's own keyframe (the real motion data of
MuscleMimic is not on PyPI): the point is that the whole loop runs on these models (rollout,
update, checkpoint, evaluation) and that its outputs are finite and well formed."""
import csv
import json
import os
import subprocess

import numpy as np
import pytest

from models_util import musclemimic_path as model_path, standing_motion

mujoco = pytest.importorskip("mujoco")
TRAIN = os.environ.get("SINEW_TRAIN")
EVAL = os.environ.get("SINEW_EVAL")
pytestmark = pytest.mark.skipif(not TRAIN or not EVAL, reason="SINEW_TRAIN / SINEW_EVAL are not set")


def run(*args, ok=True):
    r = subprocess.run([*args], capture_output=True, text=True, timeout=1200)
    if ok:
        assert r.returncode == 0, r.stderr[-3000:]
    return r


@pytest.mark.parametrize("name,preset", [("bimanual", "bimanual"), ("myofullbody", "fullbody")])
def test_train_and_eval_real_models(tmp_path, name, preset):
    xml = model_path(name)
    motion = tmp_path / "stand.npz"
    standing_motion(xml, motion)
    out = tmp_path / "run"
    small = ["--set", "actor_hidden=64,64", "--set", "critic_hidden=64,64", "--set", "nsteps=4", "--set", "minibatches=2"]
    run(TRAIN, "--model", xml, "--motion", str(motion), "--out", str(out), "--preset", preset, "--nworld", "4",
        "--steps", "48", "--quiet", *small)
    rows = list(csv.DictReader(open(out / "log.csv")))
    assert len(rows) == 3
    for r in rows:
        assert np.isfinite(float(r["reward"])) and np.isfinite(float(r["value_loss"]))
    ck = np.load(out / "final.npz")
    cfg = json.loads(str(ck["config"][0]))
    assert cfg["preset"] == preset and cfg["actor_hidden"] == "64,64"
    assert ck["log_std"].shape == (int(ck["action_size"]),)
    assert all(np.isfinite(ck[k]).all() for k in ck.files if k.startswith("actor."))
    run(EVAL, "--checkpoint", str(out / "final.npz"), "--model", xml, "--motion", str(motion), "--out", str(out / "eval"))
    met = json.load(open(out / "eval" / "metrics.json"))
    assert set(met["overall"]) >= {"early_termination", "joint_rmse", "joint_r", "site_error", "root_error", "mean_activation"}
    roll = np.load(out / "eval" / "rollout.npz")
    assert roll["qpos"].shape[1] == mujoco.MjModel.from_xml_path(xml).nq and "act" in roll.files and "ctrl" in roll.files


def test_bad_input_is_a_clear_error(tmp_path):
    root = os.environ["SINEW_SOURCE_DIR"]
    arm, reach = f"{root}/models/arm.xml", f"{root}/models/arm_reach.npz"
    out = str(tmp_path / "run")
    r = run(TRAIN, "--model", arm, "--motion", reach, "--out", out, "--set", "learning_rate=1", ok=False)
    assert r.returncode == 2 and "unknown hyper-parameter 'learning_rate'" in r.stderr
    r = run(TRAIN, "--model", arm, "--motion", reach, "--out", out, "--set", "lr=fast", ok=False)
    assert r.returncode == 2 and "parameter 'lr' takes a finite number, got 'fast'" in r.stderr
    # a motion of another model: names the file and the mismatch
    other = tmp_path / "other.npz"
    standing_motion(model_path("bimanual"), other)
    r = run(TRAIN, "--model", arm, "--motion", str(other), "--out", out, ok=False)
    assert r.returncode == 2 and str(other) in r.stderr and "nq" in r.stderr
    # same sizes, other joint names
    d = dict(np.load(reach))
    d["joint_names"] = np.array(["shoulder_flex", "elbow", "pronation"])
    renamed = tmp_path / "renamed.npz"
    np.savez(renamed, **d)
    r = run(TRAIN, "--model", arm, "--motion", str(renamed), "--out", out, ok=False)
    assert r.returncode == 2 and "joint 1 of the motion is 'elbow', the model's is 'elbow_flex'" in r.stderr
    # a checkpoint of another network: names the array and both shapes
    run(TRAIN, "--model", arm, "--motion", reach, "--out", out, "--steps", "256", "--nworld", "8", "--quiet",
        "--set", "nsteps=8", "--set", "minibatches=2", "--set", "actor_hidden=8", "--set", "critic_hidden=8")
    r = run(TRAIN, "--model", arm, "--motion", reach, "--out", out + "2", "--init", out + "/final.npz", "--steps", "256",
            "--nworld", "8", "--set", "nsteps=8", "--set", "minibatches=2", "--set", "actor_hidden=16",
            "--set", "critic_hidden=8", ok=False)
    assert r.returncode == 1 and "'actor.layer0.weight' has shape (8, 121), this network needs (16, 121)" in r.stderr
    # the CUDA trainer is float only: double is refused before anything runs
    r = run(TRAIN, "--model", arm, "--motion", reach, "--out", out, "--backend", "cuda", "--precision", "double", ok=False)
    assert r.returncode == 2 and "--backend cuda trains in float only" in r.stderr
    if not os.path.exists("/dev/nvidia0"):
        # without a GPU: a build without CUDA says so (2), a CUDA build finds no device (1)
        r = run(TRAIN, "--model", arm, "--motion", reach, "--out", out, "--backend", "cuda", ok=False)
        assert (r.returncode == 2 and "built without CUDA" in r.stderr) or \
            (r.returncode == 1 and "--backend cuda: no CUDA device available" in r.stderr), r.stderr
