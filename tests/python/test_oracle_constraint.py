"""Sinew's constraint rows (make_constraint_world, reference_constraint_world; sinew-rollout,
--steps 0) against MuJoCo 3.4.0's efc_* arrays after mj_forward, and the mj_setConst constants
dof_invweight0 / body_invweight0 (via the rollout-independent compiler test below).

Compared per world: nefc, efc_type, efc_id (exact), efc_J (dense; MuJoCo's sparse J converted),
efc_pos, efc_margin, efc_frictionloss, efc_diagApprox, efc_R, efc_D, efc_KBIP, efc_vel, efc_aref
(relative 1e-9 of the field's scale). Row order is MuJoCo's for every row; contacts follow Sinew's
contact order, which is MuJoCo's on these models (test_oracle_collision checks it).

Needs $SINEW_ROLLOUT (tools/sinew_rollout.cpp); skips otherwise.
"""
import os

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from oracle_util import ROLLOUT, random_states, run_rollout

pytestmark = pytest.mark.skipif(
    not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary (tools/sinew_rollout.cpp)")

REAL = ["efc_J", "efc_pos", "efc_margin", "efc_frictionloss", "efc_diagApprox", "efc_R", "efc_D", "efc_KBIP",
        "efc_vel", "efc_aref"]
FIELDS = ["nefc", "nefcoverflow", "efc_type", "efc_id"] + REAL
RTOL = 1e-9

SMALL = """<mujoco model="cnstr">
  <compiler angle="radian"/>
  <option timestep="0.002" cone="{cone}" impratio="{impratio}"/>
  <default><geom friction="0.7 0.02 0.003"/></default>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1"/>
    <site name="ws" pos="0.5 0.2 1.0"/>
    <body name="a" pos="0 0 1">
      <joint name="h1" type="hinge" axis="0 1 0" range="-0.5 0.5" margin="0.01" frictionloss="0.3"/>
      <geom type="capsule" size="0.05 0.2" pos="0 0 -0.2"/>
      <site name="sa" pos="0 0 -0.4"/>
      <body name="b" pos="0 0 -0.4">
        <joint name="bl" type="ball" range="0 0.6" frictionloss="0.1"/>
        <geom type="sphere" size="0.07" pos="0 0 -0.1" condim="6"/>
        <site name="sb" pos="0 0 -0.2"/>
        <body name="c" pos="0 0 -0.2">
          <joint name="sl" type="slide" axis="0 0 1" range="-0.1 0.1" solreflimit="0.01 0.5" solimplimit="0.8 0.9 0.01 0.3 3"/>
          <joint name="h2" type="hinge" axis="1 0 0" range="-1 1"/>
          <geom type="capsule" size="0.03 0.1" condim="4"/>
          <site name="sc" pos="0 0 -0.1"/>
        </body>
      </body>
    </body>
    <body name="fb" pos="0.5 0 0.3">
      <freejoint/>
      <geom type="sphere" size="0.1" condim="1"/>
      <site name="sf" pos="0 0.1 0"/>
    </body>
    <body name="fb2" pos="-0.5 0 0.3">
      <freejoint/>
      <geom type="box" size="0.1 0.08 0.06" condim="3" margin="0.01" gap="0.002"/>
    </body>
    <body name="fb3" pos="0 0.5 0.3">
      <freejoint/>
      <geom type="sphere" size="0.08" condim="6"/>
    </body>
    <body name="w" pos="0.5 0.5 1">
      <joint name="h3" type="hinge" axis="0 0 1"/>
      <joint name="h4" type="hinge" axis="1 0 0"/>
      <geom type="box" size="0.05 0.05 0.05"/>
    </body>
  </worldbody>
  <tendon>
    <spatial name="t1" limited="true" range="0.1 0.45" margin="0.02" frictionloss="0.2">
      <site site="sa"/><site site="sc"/>
    </spatial>
    <fixed name="t2" limited="true" range="-0.2 0.2" solreflimit="-100 -10">
      <joint joint="h1" coef="1"/><joint joint="h2" coef="-0.5"/>
    </fixed>
    <fixed name="t3"><joint joint="h3" coef="1"/></fixed>
  </tendon>
  <equality>
    <connect body1="fb" body2="a" anchor="0 0 0.1" solref="0.05 0.8"/>
    <weld body1="w" solimp="0.8 0.95 0.002 0.4 2"/>
    <weld site1="sf" site2="ws" torquescale="0.5"/>
    <connect site1="sb" site2="ws" solref="0.001 1"/>
    <joint joint1="h4" joint2="h2" polycoef="0.1 0.5 0.2 -0.1 0.05"/>
    <joint joint1="h3"/>
    <tendon tendon1="t3" tendon2="t2" polycoef="0 1.5 0.3 0 0"/>
    <weld body1="c" body2="fb" relpose="0.1 0 0 1 0 0 0" active="false"/>
  </equality>
</mujoco>
"""


def mj_rows(m, d):
    n = d.nefc
    if n and mujoco.mj_isSparse(m):
        J = np.zeros((n, m.nv))
        for r in range(n):
            a, k = d.efc_J_rowadr[r], d.efc_J_rownnz[r]
            J[r, d.efc_J_colind[a:a + k]] = d.efc_J[a:a + k]
    else:
        J = np.array(d.efc_J[:n * m.nv]).reshape(n, m.nv)
    return dict(efc_type=d.efc_type[:n].copy(), efc_id=d.efc_id[:n].copy(), efc_J=J, efc_pos=d.efc_pos[:n].copy(),
                efc_margin=d.efc_margin[:n].copy(), efc_frictionloss=d.efc_frictionloss[:n].copy(),
                efc_diagApprox=d.efc_diagApprox[:n].copy(), efc_R=d.efc_R[:n].copy(), efc_D=d.efc_D[:n].copy(),
                efc_KBIP=d.efc_KBIP[:n].copy().reshape(n, 4), efc_vel=d.efc_vel[:n].copy(),
                efc_aref=d.efc_aref[:n].copy())


def compare(m, path, qpos, qvel, tmp):
    W = qpos.shape[0]
    np.save(os.path.join(tmp, "qpos0.npy"), qpos)
    np.save(os.path.join(tmp, "qvel0.npy"), qvel)
    _, out = run_rollout(path, tmp, "--steps", 0, "--nworld", W, "--qpos0", os.path.join(tmp, "qpos0.npy"),
                         "--qvel0", os.path.join(tmp, "qvel0.npy"), fields=FIELDS)
    d = mujoco.MjData(m)
    worst = {f: 0.0 for f in REAL}
    rows = 0
    for w in range(W):
        d.qpos[:] = qpos[w]
        d.qvel[:] = qvel[w]
        mujoco.mj_forward(m, d)
        ref = mj_rows(m, d)
        n = int(out["nefc"][w, 0, 0])
        assert int(out["nefcoverflow"][w, 0, 0]) == 0
        assert n == d.nefc, f"world {w}: nefc {n} vs MuJoCo {d.nefc}"
        np.testing.assert_array_equal(out["efc_type"][w, 0, :n].astype(int), ref["efc_type"])
        np.testing.assert_array_equal(out["efc_id"][w, 0, :n].astype(int), ref["efc_id"])
        rows += n
        keep = np.ones(n, bool)
        for f in REAL:
            per = {"efc_J": m.nv, "efc_KBIP": 4}.get(f, 1)
            got = out[f][w, 0].reshape(-1)[:n * per].reshape(n, per)[keep].reshape(-1)
            exp = ref[f].reshape(n, per)[keep].reshape(-1)
            scale = max(1.0, np.abs(exp).max(initial=0.0))
            err = np.abs(got - exp).max(initial=0.0) / scale
            worst[f] = max(worst[f], err)
    print("rows", rows, {f: f"{e:.1e}" for f, e in worst.items()})
    for f, e in worst.items():
        assert e <= RTOL, f"{f}: relative error {e:.2e}"
    return rows


@pytest.mark.parametrize("cone,impratio", [("elliptic", 1), ("pyramidal", 1), ("elliptic", 3), ("pyramidal", 2.5)])
def test_small_model(tmp_path, cone, impratio):
    xml = SMALL.format(cone=cone, impratio=impratio)
    path = tmp_path / "small.xml"
    path.write_text(xml)
    m = mujoco.MjModel.from_xml_path(str(path))
    rng = np.random.default_rng(3)
    qpos, qvel = random_states(m, 12, rng)
    # push joints past their limits in half the worlds, drop the free bodies into the floor
    for w in range(0, 12, 2):
        for j in range(m.njnt):
            if m.jnt_limited[j] and m.jnt_type[j] in (2, 3):
                a = m.jnt_qposadr[j]
                qpos[w, a] = m.jnt_range[j][w % 4 // 2] * 1.1 + (0.005 if w % 4 else -0.005)
    for j, z in [(4, 0.08), (5, 0.05), (6, 0.07)]:
        a = m.jnt_qposadr[j]
        qpos[:, a + 2] = z + 0.02 * rng.uniform(-1, 1, 12)
    # a condim-6 contact (10 pyramidal rows) must be among them
    d = mujoco.MjData(m)
    dims = set()
    for w in range(12):
        d.qpos[:] = qpos[w]
        mujoco.mj_forward(m, d)
        dims |= set(int(k) for k in d.contact.dim)
    assert {3, 4, 6} <= dims, dims  # (condim is the larger of the two geoms'; the floor has 3)
    rows = compare(m, path, qpos, qvel, str(tmp_path))
    assert rows > 12 * 20


def test_invweight0(tmp_path):
    """dof_invweight0 / body_invweight0 / eq_data go into the rows' diagApprox; compare them
    through a state at qpos0 (all equality rows present)."""
    xml = SMALL.format(cone="elliptic", impratio=1)
    path = tmp_path / "small.xml"
    path.write_text(xml)
    m = mujoco.MjModel.from_xml_path(str(path))
    compare(m, path, m.qpos0[None].copy(), np.zeros((1, m.nv)), str(tmp_path))


def _real(tmp_path, name, perturb, lower, nworld=6):
    from models_util import musclemimic_path
    path = musclemimic_path(name)
    m = mujoco.MjModel.from_xml_path(path)
    rng = np.random.default_rng(7)
    if m.nkey:
        qpos = np.tile(m.key_qpos[0], (nworld, 1))
    else:
        qpos = np.tile(m.qpos0, (nworld, 1))
    for w in range(1, nworld):
        for j in range(m.njnt):
            a = m.jnt_qposadr[j]
            if m.jnt_type[j] in (2, 3):
                qpos[w, a] += rng.uniform(-perturb, perturb)
                if m.jnt_limited[j] and w % 2:  # push some joints past their limits
                    lo, hi = m.jnt_range[j]
                    if rng.uniform() < 0.3:
                        qpos[w, a] = (hi if rng.uniform() < 0.5 else lo) + rng.uniform(-0.02, 0.05) * np.sign(hi - lo)
            elif m.jnt_type[j] == 0:
                qpos[w, a + 2] -= lower * w
    qvel = 0.3 * rng.normal(size=(nworld, m.nv))
    return m, path, qpos, qvel


def test_myofullbody(tmp_path):
    m, path, qpos, qvel = _real(tmp_path, "myofullbody", 0.15, 0.01)
    assert compare(m, path, qpos, qvel, str(tmp_path)) > 0


def test_bimanual(tmp_path):
    m, path, qpos, qvel = _real(tmp_path, "bimanual", 0.2, 0.0)
    assert compare(m, path, qpos, qvel, str(tmp_path)) > 0
