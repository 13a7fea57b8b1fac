"""Breadth: every MJCF entry model of myo-sim, musclemimic-models, gymnasium (its MuJoCo assets)
and DeepMind Control's suite (dm_control 1.0.36, unpacked by tests/setup.sh into tests/.models/)
that MuJoCo 3.4 loads is loaded by Sinew and stepped 10 steps from a small random perturbation
(qpos moved by N(0, 0.01) along every dof from the first keyframe or qpos0, qvel ~ N(0, 0.01))
with random controls inside the control ranges (seed 0), or Sinew reports what it lacks.

For every model the test runs sinew-rollout once (double) and MuJoCo's mj_step on the same start,
and compares qpos, qvel and the sensors Sinew computes (the others read NaN) at every step.
STATUS below records, per model, the outcome the test requires:

- "agrees": no error and no warning; the trajectory agrees within the tolerance;
- "agrees; reports: X + Y": the trajectory agrees and the load warnings name what is left out
  (each of X, Y is a text one warning contains, and every warning contains one of them): features
  present in the file that these 10 steps do not exercise (geom pairs not in contact, sensors
  that read NaN);
- "error: X": Sinew refuses the model with a message containing X.

A model whose outcome changes (a feature added, or a regression) fails the test until STATUS and
the table in docs/models.md (checked here too) are updated. Files MuJoCo itself does not load
(include fragments: `<mujocoinclude>`) are not entry models and are listed as such.

Tolerance: |sinew - mujoco|_inf <= 1e-9 * max(1, |field|_inf over the trajectory) per field. The
constraint solvers stop on a tolerance (Newton: improvement below 1e-8 of the scale), so on models
with active contacts a 1e-16 difference in the inputs can end the iteration one step apart. On
MuscleMimic's two models (foot and hand contacts from the start) the bound is 1e-5: MuJoCo against
itself, with the initial qvel scaled by 1 + 1e-14, differs by 2e-5 in qvel after these 10 steps;
Sinew against MuJoCo measured 1.6e-6 (per-step agreement, with the state reloaded, is 1e-13:
test_oracle_solver.py). Measured values are printed with -s.
"""
import os
import pathlib
import re
import subprocess

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from oracle_util import ROLLOUT  # noqa: E402

pytestmark = pytest.mark.skipif(not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary")

ROOT = pathlib.Path(__file__).resolve().parents[2]
DM_CONTROL = ROOT / "tests" / ".models" / "dm_control-1.0.36" / "suite"
NSTEP = 10
RTOL = 1e-9
RTOL_CONTACT = {"musclemimic-models/myofullbody": 1e-5, "musclemimic-models/bimanual": 1e-5}

NOT_A_MODEL = "not an entry model (MuJoCo 3.4 does not load it: an include fragment)"

STATUS = {
    "myo-sim/contacts/myoarm_contacts.xml": NOT_A_MODEL,
    "myo-sim/contacts/myofullbody_contacts.xml": NOT_A_MODEL,
    "myo-sim/contacts/myohand_contacts.xml": NOT_A_MODEL,
    "myo-sim/contacts/myolegs26_contacts.xml": NOT_A_MODEL,
    "myo-sim/contacts/myolegs_contacts.xml": NOT_A_MODEL,
    "myo-sim/legacy/elbow/myoelbow_1dof6muscles.xml": "agrees",
    "myo-sim/legacy/elbow/myoelbow_1dof6muscles_1dofSoftexo_Ideal.xml": "agrees",
    "myo-sim/legacy/elbow/myoelbow_1dof6muscles_1dofSoftexo_sim2.xml": "agrees",
    "myo-sim/legacy/elbow/myoelbow_1dof6muscles_1dofexo.xml": "agrees",
    "myo-sim/legacy/elbow/myoelbow_2dof6muscles.xml": "agrees",
    "myo-sim/legacy/finger/finger_v0.xml": "agrees",
    "myo-sim/legacy/finger/motorfinger_v0.xml": "agrees",
    "myo-sim/legacy/finger/myofinger_v0.xml": "agrees",
    "myo-sim/legacy/osl/myolegs_osl.xml": "agrees",
    "myo-sim/scene/myobody_skeleton_decor.xml": NOT_A_MODEL,
    "myo-sim/scene/myobody_skeleton_decor_assets.xml": NOT_A_MODEL,
    "myo-sim/scene/myosuite_quad.xml": "agrees",
    "myo-sim/scene/myosuite_scene.xml": "agrees",
    "myo-sim/scene/myosuite_scene_musclemimic.xml": "agrees",
    "myo-sim/scene/myosuite_scene_noPedestal.xml": "agrees",
    "myo-sim/sensors/myofullbody_sensors.xml": NOT_A_MODEL,
    "myo-sim/sensors/myolegs26_sensors.xml": NOT_A_MODEL,
    "myo-sim/sensors/myolegs_sensors.xml": NOT_A_MODEL,
    "musclemimic-models/myofullbody": "agrees",
    "musclemimic-models/bimanual": "agrees",
    "gymnasium/ant.xml": "agrees",
    "gymnasium/half_cheetah.xml": "agrees",
    "gymnasium/hopper.xml": "agrees",
    "gymnasium/humanoid.xml": "agrees",
    "gymnasium/humanoidstandup.xml": "agrees",
    "gymnasium/inverted_double_pendulum.xml": "agrees",
    "gymnasium/inverted_pendulum.xml": "agrees",
    "gymnasium/point.xml": "agrees",
    "gymnasium/pusher.xml": "agrees",
    "gymnasium/pusher_v5.xml": "agrees",
    "gymnasium/reacher.xml": "agrees",
    "gymnasium/swimmer.xml": "agrees",
    "gymnasium/walker2d.xml": "agrees",
    "gymnasium/walker2d_v5.xml": "agrees",
    "dm_control/acrobot.xml": "agrees",
    "dm_control/ball_in_cup.xml": "agrees",
    "dm_control/cartpole.xml": "agrees",
    "dm_control/cheetah.xml": "agrees",
    "dm_control/dog.xml": "agrees; reports: <skin> is visual only",
    "dm_control/finger.xml": "agrees",
    "dm_control/fish.xml": "agrees",
    "dm_control/hopper.xml": "agrees",
    "dm_control/humanoid.xml": "agrees",
    "dm_control/humanoid_CMU.xml": "agrees",
    "dm_control/lqr.xml": "agrees",
    "dm_control/manipulator.xml": "agrees",
    "dm_control/pendulum.xml": "agrees",
    "dm_control/point_mass.xml": "agrees",
    "dm_control/quadruped.xml": "agrees",
    "dm_control/reacher.xml": "agrees",
    "dm_control/stacker.xml": "agrees",
    "dm_control/swimmer.xml": "agrees",
    "dm_control/walker.xml": "agrees",
}


def entry_models():
    """(key, path) of every candidate file, in a fixed order."""
    import gymnasium
    import musclemimic_models
    import myo_sim

    out = []
    ms = pathlib.Path(myo_sim.__file__).resolve().parent / "models"
    for x in sorted(ms.rglob("*.xml")):
        if "assets" not in x.relative_to(ms).parts:
            out.append((f"myo-sim/{x.relative_to(ms).as_posix()}", x))
    for n in ["myofullbody", "bimanual"]:
        out.append((f"musclemimic-models/{n}", pathlib.Path(str(musclemimic_models.get_xml_path(n)))))
    g = pathlib.Path(gymnasium.__file__).resolve().parent / "envs" / "mujoco" / "assets"
    out += [(f"gymnasium/{x.name}", x) for x in sorted(g.glob("*.xml"))]
    out += [(f"dm_control/{x.name}", x) for x in sorted(DM_CONTROL.glob("*.xml"))]
    return out


def markdown_table():
    """The table docs/models.md carries (python -c "import test_breadth; print(test_breadth.markdown_table())")."""
    rows = ["| model | status |", "|---|---|"]
    rows += [_row(k, v) for k, v in sorted(STATUS.items())]
    return "\n".join(rows)


def _row(key, status):
    """A table row; '<' and '>' (a warning naming an element) as HTML entities."""
    return f"| `{key}` | {status.replace('<', '&lt;').replace('>', '&gt;')} |"


def test_model_list_is_complete():
    """Every file found has a recorded status and every recorded file exists (a package update
    that adds or removes models shows here)."""
    if not DM_CONTROL.is_dir():
        pytest.fail(f"{DM_CONTROL} is missing: run bash tests/setup.sh (it unpacks dm_control's suite)")
    found = {k for k, _ in entry_models()}
    assert found - STATUS.keys() == set(), f"models without a recorded status: {sorted(found - STATUS.keys())}"
    assert STATUS.keys() - found == set(), f"recorded models not found: {sorted(STATUS.keys() - found)}"


def test_docs_table_matches():
    """docs/models.md carries the same status for every model (its table is generated from STATUS)."""
    text = (ROOT / "docs" / "models.md").read_text()
    for key, status in STATUS.items():
        row = _row(key, status)
        assert row in text, f"docs/models.md lacks the row {row!r}"


def _run(key, path, tmp):
    m = mujoco.MjModel.from_xml_path(str(path))
    rng = np.random.default_rng(0)
    d = mujoco.MjData(m)
    if m.nkey:
        mujoco.mj_resetDataKeyframe(m, d, 0)
    qpos = d.qpos.copy()
    mujoco.mj_integratePos(m, qpos, rng.normal(scale=0.01, size=m.nv), 1.0)
    qvel = rng.normal(scale=0.01, size=m.nv)
    act = d.act.copy()
    lo = np.where(m.actuator_ctrllimited, m.actuator_ctrlrange[:, 0], -1.0)
    hi = np.where(m.actuator_ctrllimited, m.actuator_ctrlrange[:, 1], 1.0)
    ctrl = rng.uniform(lo, hi, (NSTEP, m.nu))
    np.save(tmp / "qpos.npy", qpos[None])
    np.save(tmp / "qvel.npy", qvel[None])
    np.save(tmp / "act.npy", act[None])
    np.save(tmp / "ctrl.npy", ctrl[None])
    fields = ["qpos", "qvel", "sensordata"]
    cmd = [ROLLOUT, str(path), "--steps", str(NSTEP), "--qpos0", str(tmp / "qpos.npy"), "--qvel0",
           str(tmp / "qvel.npy"), "--act0", str(tmp / "act.npy"), "--ctrl", str(tmp / "ctrl.npy"),
           "--fields", ",".join(fields), "--out", str(tmp / "out")]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    warnings = [line for line in p.stderr.splitlines() if "warning:" in line]
    if p.returncode != 0:
        return m, None, p.stderr, warnings
    out = {f: np.load(tmp / "out" / f"{f}.npy")[0] for f in fields}
    # MuJoCo from the same start: the fields before each step, as sinew-rollout records them
    d.qpos[:], d.qvel[:], d.act[:] = qpos, qvel, act
    ref = {f: [] for f in fields}
    for t in range(NSTEP + 1):
        d.ctrl[:] = ctrl[min(t, NSTEP - 1)]
        mujoco.mj_forward(m, d)
        for f in fields:
            ref[f].append(np.array(getattr(d, f)).copy())
        if t < NSTEP:
            mujoco.mj_step(m, d)
    errors = {}
    for f in fields:
        r, s = np.array(ref[f]), out[f]
        if f == "sensordata":
            keep = ~np.isnan(s[0])
            assert np.all(np.isnan(s[:, ~keep])), f"{key}: a sensor reads NaN at some steps only"
            r, s = r[:, keep], s[:, keep]
        errors[f] = float(np.abs(s - r).max() / max(1.0, np.abs(r).max())) if r.size else 0.0
    return m, errors, p.stderr, warnings


@pytest.mark.parametrize("key", sorted(STATUS))
def test_model(key, tmp_path):
    paths = dict(entry_models())
    if key not in paths:
        pytest.fail(f"{key} not found (see test_model_list_is_complete)")
    path = paths[key]
    status = STATUS[key]
    try:
        mujoco.MjModel.from_xml_path(str(path))
    except ValueError as e:
        assert status == NOT_A_MODEL, f"{key}: MuJoCo does not load it ({e}) but STATUS says {status!r}"
        return
    assert status != NOT_A_MODEL, f"{key}: MuJoCo loads it; record its status"
    m, errors, stderr, warnings = _run(key, path, tmp_path)
    if errors is None:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        assert status.startswith("error: "), f"{key}: Sinew fails: {last}"
        assert status[len("error: "):] in last, f"{key}: expected {status!r}, got {last!r}"
        print(f"{key}: {status}")
        return
    assert not status.startswith("error: "), f"{key}: Sinew now runs it (errors {errors}); update STATUS"
    tol = RTOL_CONTACT.get(key, RTOL)
    print(f"{key}: {status}; max relative error " + ", ".join(f"{f} {e:.1e}" for f, e in errors.items()))
    for f, e in errors.items():
        assert e <= tol, f"{key}: {f} differs from MuJoCo by {e:.3g} (relative), above {tol}"
    text = "\n".join(warnings)
    if status == "agrees":
        assert not warnings, f"{key}: unexpected warnings:\n{text}"
    else:
        features = re.sub(r"^agrees; reports: ", "", status).split(" + ")
        for feature in features:
            assert feature in text, f"{key}: expected a warning naming {feature!r}, got:\n{text}"
        for w in warnings:
            assert any(f in w for f in features), f"{key}: a warning STATUS does not name:\n{w}"
