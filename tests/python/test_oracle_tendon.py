"""Sinew's tendons (sinew-rollout) against MuJoCo 3.4.0: lengths, velocities, moment arms, and
the tendon terms of the passive force and the mass matrix.

Needs the CLI built from tools/sinew_rollout.cpp; its path comes from $SINEW_ROLLOUT (every
test skips when it is unset). Run: SINEW_ROLLOUT=/path/to/sinew-rollout pytest tests/python/test_oracle_tendon.py

Models: MyoFullBody (424 tendons, 90 sphere and 180 cylinder wraps, 254 with sidesites),
BimanualMuscle, myo-sim's OSL legs, models_util's generated legs wrapper, the elbow with its soft
exoskeleton, and WRAPS below: a small hand-written model with every path feature (sphere and
cylinder wraps with and without sidesites, an inside sidesite, pulleys, fixed tendons) plus tendon
stiffness with a springlength deadband, damping and armature (the real models have none of those).
The real models are also loaded a second time with tendon stiffness, damping, springlength and
armature set through MjSpec (written out with absolute asset paths), so the passive force and the
armature term are checked on real Jacobians too.

Each model: NSTATE random states (limited joints uniform inside their range, qvel ~ N(0, 1)),
one sinew-rollout call (--steps 0), each state compared with mj_forward. The dense moment-arm
matrix from MuJoCo comes from its sparse ten_J (ten_J_rowadr/rownnz/colind; MuJoCo stores ten_J
sparse when nv >= 60) or its dense ten_J; Sinew's rollout writes ten_J dense (ntendon x nv).
Gravity compensation is zeroed in the reference (Sinew does not simulate it; none of these models
uses it).

Tolerances (double): ten_length, ten_J (m and m/rad) 1e-10 absolute, ten_velocity 1e-10 *
max(1, |qvel|); qM and qfrc_passive 1e-9 relative to the field's max abs value. Sinew follows
MuJoCo's operations (same wrap formulas, same Jacobian differences), so the measured errors are
at rounding level; measured over 128 states per model: ten_length and ten_J bit-identical (0.0) on
every model, ten_velocity <= 5.4e-16, qfrc_passive <= 2.6e-16 relative, qM <= 1.2e-12 relative
(MyoFullBody; the CRB part, unchanged by tendons).

Tolerances (float, --precision float, 32 states on MyoFullBody, BimanualMuscle and WRAPS):
every stage runs in float32 (unit roundoff 6e-8). Measured: lengths <= 3.1e-6 m (MyoFullBody,
whose free root sits up to 1.7 m from the origin, so site positions carry ~1e-6 m of rounding),
moment arms <= 1.2e-5 m. Two float effects bound these: the arc angle is MuJoCo's acos of a dot
product of unit vectors, amplified near +-1 to ~sqrt(2 eps) rad (x radius, a few mm); and the
point Jacobian is cdof_lin + cdof_ang x offset with offsets ~1 m. Bounds: lengths 1e-5 m, moment
arms 5e-5 m (absolute). Before the inside wrap's Newton tolerance was made float-aware (see
tendon/wrap.hpp) float lengths were off by up to 6e-3 m there: that is what these bounds guard.
"""
import os
import tempfile

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from models_util import model_paths
from oracle_util import ROLLOUT, random_states, run_rollout

pytestmark = pytest.mark.skipif(
    not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary (tools/sinew_rollout.cpp)")

NSTATE = 128
LEN_ATOL = 1e-10
DYN_RTOL = 1e-9
LEN_ATOL_F = 1e-5
JAC_ATOL_F = 5e-5

WRAPS = """<mujoco model="wraps">
  <compiler angle="radian"/>
  <option timestep="0.002"/>
  <worldbody>
    <site name="anchor" pos="0 0 0.5"/>
    <site name="anchor2" pos="0.05 0.1 0.45"/>
    <body name="upper" pos="0 0 0">
      <joint name="shoulder" type="ball" damping="0.1"/>
      <geom name="upper_geom" type="capsule" fromto="0 0 0 0 0 -0.3" size="0.03"/>
      <geom name="ball_wrap" type="sphere" pos="0 0 0.02" size="0.05" contype="0" conaffinity="0"/>
      <site name="side_out" pos="0.1 0 0.02"/>
      <site name="side_in" pos="0.01 0.01 0.0"/>
      <site name="u1" pos="0.04 0 -0.1"/>
      <site name="u2" pos="-0.04 0 -0.12"/>
      <site name="u3" pos="0.0 0.04 -0.2"/>
      <body name="lower" pos="0 0 -0.3">
        <joint name="elbow" type="hinge" axis="0 1 0" range="-2.5 0.2" damping="0.05"/>
        <geom name="lower_geom" type="capsule" fromto="0 0 0 0.25 0 0" size="0.025"/>
        <geom name="cyl_wrap" type="cylinder" pos="0 0 0" euler="1.5708 0 0" size="0.04 0.05"
              contype="0" conaffinity="0"/>
        <site name="side_cyl" pos="-0.1 0 0"/>
        <site name="l1" pos="0.08 0 0.02"/>
        <site name="l2" pos="0.15 0.01 -0.02"/>
        <body name="hand" pos="0.25 0 0">
          <joint name="wrist" type="hinge" axis="0 0 1" range="-1 1"/>
          <joint name="slide" type="slide" axis="1 0 0" range="-0.02 0.02"/>
          <geom name="hand_geom" type="box" size="0.04 0.02 0.01" pos="0.04 0 0"/>
          <site name="h1" pos="0.06 0.01 0"/>
        </body>
      </body>
    </body>
    <body name="free" pos="0.4 0 0.2">
      <freejoint/>
      <geom name="free_geom" type="sphere" size="0.04"/>
      <site name="f1" pos="0.03 0 0"/>
    </body>
  </worldbody>
  <tendon>
    <spatial name="straight" stiffness="20" damping="0.5" springlength="0.3 0.45">
      <site site="anchor"/><site site="u1"/><site site="l1"/>
    </spatial>
    <spatial name="sphere_side" damping="0.2">
      <site site="anchor2"/><geom geom="ball_wrap" sidesite="side_out"/><site site="u2"/>
    </spatial>
    <spatial name="sphere_free" stiffness="5">
      <site site="anchor"/><geom geom="ball_wrap"/><site site="u3"/>
    </spatial>
    <spatial name="sphere_inside">
      <site site="anchor"/><geom geom="ball_wrap" sidesite="side_in"/><site site="u1"/>
    </spatial>
    <spatial name="cyl_side" stiffness="50" springlength="0.2" damping="1">
      <site site="u2"/><geom geom="cyl_wrap" sidesite="side_cyl"/><site site="l2"/><site site="h1"/>
    </spatial>
    <spatial name="cyl_free">
      <site site="u3"/><geom geom="cyl_wrap"/><site site="l1"/>
    </spatial>
    <spatial name="pulley" stiffness="3" damping="0.3" armature="0.02">
      <site site="anchor"/><site site="u1"/>
      <pulley divisor="2"/>
      <site site="u2"/><site site="l2"/>
      <pulley divisor="3"/>
      <site site="u3"/><site site="h1"/>
    </spatial>
    <spatial name="to_free" stiffness="10" armature="0.05" damping="0.4">
      <site site="h1"/><site site="f1"/>
    </spatial>
    <fixed name="coupling" stiffness="4" damping="0.2" armature="0.03" springlength="-0.1 0.1">
      <joint joint="elbow" coef="1"/><joint joint="wrist" coef="-0.5"/><joint joint="slide" coef="2"/>
    </fixed>
  </tendon>
</mujoco>
"""


# ------------------------------------------------------------------------------ helpers


def _dense_ten_J(m, d):
    """MuJoCo's ten_J as a dense ntendon x nv matrix. The bindings always shape d.ten_J (and
    ten_J_colind) ntendon x nv, but with a sparse Jacobian (nv >= 60 with jacobian="auto") the
    buffer holds the compressed rows (ten_J_rowadr/rownnz/colind) from its start."""
    if not mujoco.mj_isSparse(m):
        return d.ten_J.reshape(m.ntendon, m.nv).copy()
    vals, cols = d.ten_J.ravel(), d.ten_J_colind.ravel()
    J = np.zeros((m.ntendon, m.nv))
    for i in range(m.ntendon):
        a, n = d.ten_J_rowadr[i], d.ten_J_rownnz[i]
        J[i, cols[a:a + n]] = vals[a:a + n]
    return J


def _reference(m, qpos, qvel):
    """MuJoCo's ten_length, ten_velocity, dense ten_J, qfrc_passive and dense qM per state."""
    m.body_gravcomp[:] = 0
    d = mujoco.MjData(m)
    out = {k: [] for k in ("ten_length", "ten_velocity", "ten_J", "qfrc_passive", "qM")}
    for q, v in zip(qpos, qvel):
        d.qpos[:] = q
        d.qvel[:] = v
        mujoco.mj_forward(m, d)
        out["ten_length"].append(d.ten_length.copy())
        out["ten_velocity"].append(d.ten_velocity.copy())
        out["ten_J"].append(_dense_ten_J(m, d).ravel())
        out["qfrc_passive"].append(d.qfrc_passive.copy())
        M = np.zeros((m.nv, m.nv))
        mujoco.mj_fullM(m, M, d.qM)
        out["qM"].append(M.ravel())
    return {k: np.array(v) for k, v in out.items()}


def _sinew(path, qpos, qvel, tmp, precision=None):
    np.save(os.path.join(tmp, "q.npy"), qpos)
    np.save(os.path.join(tmp, "v.npy"), qvel)
    args = ["--steps", 0, "--nworld", len(qpos), "--qpos0", os.path.join(tmp, "q.npy"),
            "--qvel0", os.path.join(tmp, "v.npy")]
    if precision:
        args += ["--precision", precision]
    _, out = run_rollout(path, tmp, *args,
                         fields=["ten_length", "ten_velocity", "ten_J", "qfrc_passive", "qM"])
    return {k: v[:, 0, :] for k, v in out.items()}


def _compare(name, path, nstate=NSTATE, seed=0):
    m = mujoco.MjModel.from_xml_path(path)
    assert m.ntendon > 0
    rng = np.random.default_rng(seed)
    qpos, qvel = random_states(m, nstate, rng)
    ref = _reference(m, qpos, qvel)
    with tempfile.TemporaryDirectory() as tmp:
        got = _sinew(path, qpos, qvel, tmp)
    err = {}
    err["ten_length"] = np.abs(got["ten_length"] - ref["ten_length"]).max()
    vscale = np.maximum(1.0, np.abs(qvel).max(axis=1, keepdims=True))
    err["ten_velocity"] = (np.abs(got["ten_velocity"] - ref["ten_velocity"]) / vscale).max()
    err["ten_J"] = np.abs(got["ten_J"] - ref["ten_J"]).max()
    for f in ("qfrc_passive", "qM"):
        scale = np.maximum(np.abs(ref[f]).max(axis=1, keepdims=True), 1e-300)
        err[f] = (np.abs(got[f] - ref[f]) / scale).max()
    print(f"\n{name}: ntendon={m.ntendon} nv={m.nv} states={nstate} " +
          " ".join(f"{k}={v:.2e}" for k, v in err.items()))
    assert err["ten_length"] <= LEN_ATOL, (name, err)
    assert err["ten_velocity"] <= LEN_ATOL, (name, err)
    assert err["ten_J"] <= LEN_ATOL, (name, err)
    assert err["qfrc_passive"] <= DYN_RTOL, (name, err)
    assert err["qM"] <= DYN_RTOL, (name, err)
    return m, qpos, qvel, ref


def _with_tendon_dynamics(path, tmpdir, seed=1):
    """The model at `path` re-written through MjSpec with tendon stiffness, a springlength
    deadband, damping and (on tendons without geom wraps, which MuJoCo forbids with armature)
    armature, asset paths made absolute."""
    spec = mujoco.MjSpec.from_file(path)
    base = os.path.dirname(os.path.abspath(path))
    for attr in ("meshdir", "texturedir"):
        v = getattr(spec, attr)
        setattr(spec, attr, os.path.normpath(os.path.join(base, v)) if v else base)
    m0 = spec.compile()
    rng = np.random.default_rng(seed)
    for i, t in enumerate(spec.tendons):
        L0 = m0.tendon_length0[i]
        t.stiffness = float(rng.uniform(10, 200))
        t.damping = float(rng.uniform(0.1, 2))
        half = float(rng.uniform(0, 0.05)) * max(L0, 0.01)
        t.springlength = [L0 - half, L0 + half]
        a, n = m0.tendon_adr[i], m0.tendon_num[i]
        if not np.isin(m0.wrap_type[a:a + n], [mujoco.mjtWrap.mjWRAP_SPHERE, mujoco.mjtWrap.mjWRAP_CYLINDER]).any():
            t.armature = float(rng.uniform(0.001, 0.05))
    out = os.path.join(tmpdir, os.path.basename(path).replace(".xml", "_tendyn.xml"))
    with open(out, "w") as f:
        f.write(spec.to_xml())
    return out


REAL = ["myofullbody", "bimanual", "myolegs_osl", "myolegs", "myoelbow_exo"]


@pytest.fixture(scope="module")
def paths():
    with tempfile.TemporaryDirectory() as tmp:
        p = model_paths(tmp)
        w = os.path.join(tmp, "wraps.xml")
        with open(w, "w") as f:
            f.write(WRAPS)
        p["wraps"] = w
        yield p, tmp


@pytest.mark.parametrize("name", REAL + ["wraps"])
def test_tendon_double(paths, name):
    _compare(name, paths[0][name])


@pytest.mark.parametrize("name", REAL)
def test_tendon_dynamics_double(paths, name):
    """Real Jacobians with tendon springs (deadband), dampers and armature."""
    p = _with_tendon_dynamics(paths[0][name], paths[1])
    m = mujoco.MjModel.from_xml_path(p)
    assert (m.tendon_stiffness > 0).all() and (m.tendon_armature > 0).any()
    _compare(name + "+dyn", p, nstate=64, seed=2)


@pytest.mark.parametrize("name", ["myofullbody", "bimanual", "wraps"])
def test_tendon_float(paths, name):
    path = paths[0][name]
    m = mujoco.MjModel.from_xml_path(path)
    rng = np.random.default_rng(3)
    qpos, qvel = random_states(m, 32, rng)
    ref = _reference(m, qpos, qvel)
    with tempfile.TemporaryDirectory() as tmp:
        got = _sinew(path, qpos, qvel, tmp, precision="float")
    el = np.abs(got["ten_length"] - ref["ten_length"]).max()
    ej = np.abs(got["ten_J"] - ref["ten_J"]).max()
    assert np.isfinite(got["ten_length"]).all() and np.isfinite(got["ten_J"]).all()
    print(f"\n{name} float: ten_length {el:.2e} ten_J {ej:.2e}")
    assert el <= LEN_ATOL_F and ej <= JAC_ATOL_F, (el, ej)
