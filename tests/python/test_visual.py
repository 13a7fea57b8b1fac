"""sinew-render and sinew-plot (python/sinew/render.py, plots.py), headless.

Rendering runs in a subprocess (`python -m sinew.render`, the console script's code): MuJoCo picks
its OpenGL platform when first imported, and this pytest process imported it long before with
no MUJOCO_GL; the tool sets OSMesa itself. Frames are checked for their size, for not being all
background (more than 1 % of the pixels differ from the most common colour) and for changing
between frames of a moving motion; the ghost must change pixels where the reference differs.
Plots are drawn from small fixtures made here and checked for their axes and lines."""
import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

sinew = pytest.importorskip("sinew")
imageio = pytest.importorskip("imageio.v2")
pytest.importorskip("matplotlib")
mujoco = pytest.importorskip("mujoco")
from models_util import musclemimic_path  # noqa: E402

ROOT = os.environ.get("SINEW_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
ARM = f"{ROOT}/models/arm.xml"


def render(*args, ok=True):
    r = subprocess.run([sys.executable, "-m", "sinew.render", *map(str, args)], capture_output=True, text=True, timeout=600,
                       cwd="/")
    if ok:
        assert r.returncode == 0, r.stderr[-3000:]
    return r


def frames(folder):
    return [imageio.imread(os.path.join(folder, f)) for f in sorted(os.listdir(folder))]


def not_background(img):
    flat = img.reshape(-1, img.shape[-1])
    values, counts = np.unique(flat, axis=0, return_counts=True)
    bg = values[np.argmax(counts)]
    return np.mean(np.any(flat != bg, axis=1))


def moving_motion(xml, path, nframe=31, fps=30, joint_amp=0.6):
    """qpos0 (or the first keyframe) with every hinge joint swinging by up to joint_amp rad."""
    m = mujoco.MjModel.from_xml_path(xml)
    q0 = m.key_qpos[0].copy() if m.nkey else m.qpos0.copy()
    t = np.arange(nframe) / fps
    q = np.tile(q0, (nframe, 1))
    for j in range(m.njnt):
        if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_HINGE:
            a = m.jnt_qposadr[j]
            lo, hi = m.jnt_range[j] if m.jnt_limited[j] else (-joint_amp, joint_amp)
            q[:, a] = np.clip(q0[a] + joint_amp * np.sin(2 * np.pi * t), lo, hi)
    names = [mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_JOINT, j) for j in range(m.njnt)]
    sinew.save_trajectory(path, q, np.zeros((nframe, m.nv)), fps, names, jnt_type=m.jnt_type.astype(np.int64))
    return q


@pytest.mark.parametrize("which", ["arm", "myofullbody"])
def test_three_frames_headless(tmp_path, which):
    xml = ARM if which == "arm" else musclemimic_path("myofullbody")
    moving_motion(xml, tmp_path / "m.npz")
    render(xml, tmp_path / "m.npz", "--out", tmp_path / "f", "--width", 200, "--height", 150, "--fps", 10, "--time", "0:0.2")
    fs = frames(tmp_path / "f")
    assert len(fs) == 3
    for f in fs:
        assert f.shape == (150, 200, 3)
        assert not_background(f) > 0.01
    assert np.any(fs[0] != fs[1]) and np.any(fs[1] != fs[2])


def test_ghost_changes_pixels_where_the_reference_differs(tmp_path):
    q = moving_motion(ARM, tmp_path / "m.npz")
    m = mujoco.MjModel.from_xml_path(ARM)
    shifted = q.copy()
    shifted[:, m.jnt_qposadr[1]] += 0.5  # the elbow of the reference bent further
    sinew.save_trajectory(tmp_path / "ref.npz", shifted, np.zeros((len(q), m.nv)), 30,
                          [mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_JOINT, j) for j in range(m.njnt)])
    common = ["--width", 160, "--height", 120, "--time", "0.1:0.1", "--distance", 2.0]
    render(ARM, tmp_path / "m.npz", "--out", tmp_path / "plain", *common)
    render(ARM, tmp_path / "m.npz", "--out", tmp_path / "ghost", "--ghost", tmp_path / "ref.npz", *common)
    render(ARM, tmp_path / "m.npz", "--out", tmp_path / "self", "--ghost", tmp_path / "m.npz", *common)
    plain, ghost, same = frames(tmp_path / "plain")[0], frames(tmp_path / "ghost")[0], frames(tmp_path / "self")[0]
    flat = plain.reshape(-1, 3)
    values, counts = np.unique(flat, axis=0, return_counts=True)
    background = np.all(plain == values[np.argmax(counts)], axis=2)
    # the bent reference covers background pixels; a ghost on the body itself only tints the body
    covered = (np.any(plain != ghost, axis=2) & background).mean()
    covered_self = (np.any(plain != same, axis=2) & background).mean()
    assert covered > 0.002 and covered_self < covered / 5, (covered, covered_self)


def test_video_and_gif_and_errors(tmp_path):
    moving_motion(ARM, tmp_path / "m.npz")
    render(ARM, tmp_path / "m.npz", "--out", tmp_path / "v.mp4", "--width", 160, "--height", 120, "--fps", 20)
    v = imageio.mimread(tmp_path / "v.mp4")
    assert len(v) == 21 and v[0].shape == (120, 160, 3)
    render(ARM, tmp_path / "m.npz", "--out", tmp_path / "v.gif", "--width", 80, "--height", 64, "--fps", 10, "--time", "0:0.2")
    assert len(imageio.mimread(tmp_path / "v.gif")) == 3  # (GIF merges equal consecutive frames: three distinct ones)
    r = render(ARM, tmp_path / "m.npz", "--out", tmp_path / "v.avi", ok=False)
    assert r.returncode == 1 and "use .mp4, .gif or a folder" in r.stderr
    r = render(f"{ROOT}/models/chain.xml", tmp_path / "m.npz", "--out", tmp_path / "x", ok=False)
    assert r.returncode == 1 and "nq" in r.stderr
    r = render(ARM, tmp_path / "m.npz", "--out", tmp_path / "x", "--camera", "nope", ok=False)
    assert r.returncode == 1 and "no camera 'nope'" in r.stderr


def test_sinew_rollout_qpos_npy_by_world(tmp_path):
    m = mujoco.MjModel.from_xml_path(ARM)
    q = np.tile(m.qpos0, (2, 4, 1))
    q[1, :, 1] = 1.0
    np.save(tmp_path / "qpos.npy", q)
    render(ARM, tmp_path / "qpos.npy", "--out", tmp_path / "w0", "--world", 0, "--width", 96, "--height", 72, "--fps", 500)
    render(ARM, tmp_path / "qpos.npy", "--out", tmp_path / "w1", "--world", 1, "--width", 96, "--height", 72, "--fps", 500)
    assert np.any(frames(tmp_path / "w0")[0] != frames(tmp_path / "w1")[0])
    r = render(ARM, tmp_path / "qpos.npy", "--out", tmp_path / "w2", "--world", 2, ok=False)
    assert r.returncode == 1 and "--world 2 out of range" in r.stderr


# ---- plots ----

from sinew import plots  # noqa: E402

TERMS = ["qpos", "qvel", "root_pos", "root_vel", "site_pos", "site_rot", "site_angvel", "site_linvel"]


def fixture_log(path, n=6, seed=0):
    rng = np.random.default_rng(seed)
    cols = ["update", "env_steps", "wall_s", "env_steps_per_s", "reward"] + [f"reward_{t}" for t in TERMS] + \
           ["episode_length", "termination_rate", "approx_kl", "std"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for i in range(n):
            w.writerow([i + 1, 4096 * (i + 1), 0.2 * (i + 1)] + list(rng.uniform(0, 1, len(cols) - 3)))


def test_learning_curves(tmp_path):
    fixture_log(tmp_path / "a.csv")
    fixture_log(tmp_path / "b.csv", seed=1)
    fig = plots.learning_curves([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "l.png", labels=["a", "b"])
    axes = fig.get_axes()
    assert len(axes) == 8 and os.path.getsize(tmp_path / "l.png") > 0
    titles = [a.get_title() for a in axes]
    assert titles[0] == "reward per step" and len(axes[0].lines) == 2
    assert len(axes[titles.index("reward terms")].lines) == 2 * len(TERMS)
    assert axes[-1].get_xlabel() == "wall time (s)"


def eval_fixture(tmp_path):
    """A sinew-eval folder for the arm: reference = the reach, rollout = the reach, lagged."""
    m = mujoco.MjModel.from_xml_path(ARM)
    ref = sinew.reference(sinew.Model.from_xml_path(ARM), f"{ROOT}/models/arm_reach.npz")
    q = np.roll(ref["qpos"], 5, axis=0)
    names, jt = ref["joint_names"], ref["jnt_type"]
    d = tmp_path / "eval"
    d.mkdir()
    F = len(q)
    act = np.abs(np.sin(np.linspace(0, 3, F)[:, None] + np.arange(m.na)[None]))
    sinew.save_trajectory(d / "rollout.npz", q, ref["qvel"], ref["frequency"], names, jnt_type=jt, act=act)
    sinew.save_trajectory(d / "reference.npz", ref["qpos"], ref["qvel"], ref["frequency"], names, jnt_type=jt)
    json.dump({"model": ARM}, open(d / "metrics.json", "w"))
    return d, m, F


def test_joint_tracking_and_activation(tmp_path):
    d, m, F = eval_fixture(tmp_path)
    fig = plots.joint_tracking(d, tmp_path / "j.png")
    axes = fig.get_axes()
    assert len(axes) == 3  # the arm's three hinges
    for a in axes:
        assert len(a.lines) == 2 and "r=" in a.get_title() and "RMSE=" in a.get_title()
    fig = plots.activation_heatmap(d, tmp_path / "a.png")
    img = fig.get_axes()[0].get_images()[0].get_array()
    assert img.shape == (m.na, F) and len(fig.get_axes()) == 2  # the map and its colour bar
    order, groups = plots.muscle_groups(m)
    assert sorted(order) == list(range(m.nu)) and sum(e - s for _, s, e in groups) == m.nu


def test_bench_bars(tmp_path):
    rows = [{"name": f"{mod}/stage_{st}/{who}", "real_time": t, "time_unit": "us", "run_type": "iteration"}
            for mod in ("myofullbody", "bimanual") for st, t in (("kinematics", 20.0), ("tendon", 80.0), ("rne", 10.0))
            for who, t in (("mj", t), ("sinew_d", t / 2))]
    rows.append({"name": "myofullbody/mj_step", "real_time": 1.0, "time_unit": "ms"})
    json.dump({"benchmarks": rows}, open(tmp_path / "b.json", "w"))
    fig = plots.bench_bars(tmp_path / "b.json", tmp_path / "b.png")
    axes = fig.get_axes()
    assert len(axes) == 2 and all(len(a.patches) == 6 for a in axes)
    assert "2.00x" in axes[0].get_xticklabels()[0].get_text()
    json.dump({"benchmarks": []}, open(tmp_path / "e.json", "w"))
    with pytest.raises(ValueError, match="no '<model>/stage_"):
        plots.bench_bars(tmp_path / "e.json", tmp_path / "e.png")
