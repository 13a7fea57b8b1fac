"""Sinew's actuators and MuJoCo's muscle (sinew-rollout, sinew-model-dump) against MuJoCo 3.4.0.

Needs $SINEW_ROLLOUT (tools/sinew_rollout.cpp) and, for the model fields, $SINEW_MODEL_DUMP
(tests/tools/sinew_model_dump.cpp); tests skip without them.

(a) Compiled actuator fields on the real models (MyoFullBody, BimanualMuscle, myo-sim's OSL legs,
    the elbow model and models_util's legs wrapper): types, trnid, actadr/actnum, limited
    flags, dyn/gain/biasprm (MuJoCo keeps gainprm[2] = -1 for force < 0: F0 = scale/acc0 at run
    time), ranges, gear, acc0, length0, lengthrange.
(b) The same models at 16 random states (qpos in the joint ranges, qvel ~ N(0, 1), act in
    [0, 1], ctrl in [-0.2, 1.2], so some controls get clamped) in one sinew-rollout call
    (--steps 0): actuator_length, actuator_velocity, actuator_force, act_dot, qfrc_actuator and
    the dense moment matrix against mj_forward.
(c) 1000-step trajectories of a small muscle-driven model without limits or contacts (written
    below: hinge, slide and ball joints; muscle, general-muscle with actearly, position,
    velocity, motor, intvelocity, damper, cylinder, filterexact and filter actuators, and a muscle
    on a damped fixed tendon coupling dofs of two different trees, whose moment^T moment term
    implicitfast must drop outside M's sparsity as MuJoCo does; random controls every step)
    under Euler, implicitfast and RK4: every step's qpos, qvel, act, act_dot, actuator_force,
    qfrc_actuator and qacc.
(d) Errors: unsupported transmissions, adhesion, a lengthrange to simulate under the implicit
    integrator, the lengthrange simulation's non-convergence (same message as MuJoCo).
(e) Lengthrange by simulation (mj_setLengthRange) with joint, ball and tendon limits and a joint
    equality active: MyoSuite's myofinger_v0.xml (tendon limits), Sinew's arm with
    useexisting="false" (MuJoCo and Sinew both refuse it with the same message and numbers), and
    a written model under every <compiler><lengthrange> option (mode, useexisting, uselimit,
    accel, maxforce, timeconst, timestep, inttotal, interval, tolrange), Euler/implicitfast/RK4
    and the three solvers: the compiled actuator_lengthrange against MuJoCo's.

Tolerances (double): |sinew - mujoco|_inf <= 1e-9 * max(1, |mujoco|_inf) per field and state.
Measured: (a) exact for every parameter, acc0 <= 3e-12 relative on the free-root models
(MyoFullBody, myolegs: the mass matrix there agrees to ~1e-12, see test_oracle_smooth.py);
(b) <= 3.4e-16 (lengths and moments exact; print with pytest -s); (c) over 1000 steps, Euler,
implicitfast and RK4: qpos <= 1.4e-14, qvel <= 9.1e-14, qacc <= 1.5e-13, act exact.
(e) Newton: <= 1e-12 absolute (measured 0 on the finger, <= 5.6e-16 on the written model); CG
and PGS stop on their tolerances, so 1e-9 (measured 1.9e-12 and 2.1e-11).
Float (--precision float, model compiled in double and cast): (b) within 1e-4 relative to the
field's max (measured <= 1.6e-5, qfrc_actuator on the elbow model); (c) over 200 steps within
2e-4 (measured <= 2e-6, qacc).
"""
import os
import subprocess
import tempfile

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from models_util import model_paths
from oracle_util import ROLLOUT, random_states, run_rollout

DUMP = os.environ.get("SINEW_MODEL_DUMP")
pytestmark = pytest.mark.skipif(not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary")

RTOL = 1e-9
RTOL_F = 1e-4
TRAJ_RTOL = 1e-9
TRAJ_RTOL_F = 2e-4
REAL = ["myofullbody", "bimanual", "myolegs_osl", "myoelbow_exo", "myolegs"]
FIELDS = ["actuator_length", "actuator_velocity", "actuator_force", "act_dot", "qfrc_actuator", "actuator_moment"]
MODEL_FIELDS = ["actuator_trntype", "actuator_dyntype", "actuator_gaintype", "actuator_biastype", "actuator_trnid",
                "actuator_actadr", "actuator_actnum", "actuator_group", "actuator_ctrllimited",
                "actuator_forcelimited", "actuator_actlimited", "actuator_actearly", "actuator_dynprm",
                "actuator_gainprm", "actuator_biasprm", "actuator_ctrlrange", "actuator_forcerange",
                "actuator_actrange", "actuator_gear", "actuator_cranklength", "actuator_acc0", "actuator_length0",
                "actuator_lengthrange"]


@pytest.fixture(scope="module")
def paths():
    with tempfile.TemporaryDirectory() as d:
        yield model_paths(d)


def _dense_moment(m, d):
    mom = np.zeros((m.nu, m.nv))
    mujoco.mju_sparse2dense(mom, d.actuator_moment, d.moment_rownnz, d.moment_rowadr, d.moment_colind)
    return mom


def _reference(m, d):
    return {"actuator_length": d.actuator_length.copy(), "actuator_velocity": d.actuator_velocity.copy(),
            "actuator_force": d.actuator_force.copy(), "act_dot": d.act_dot.copy(),
            "qfrc_actuator": d.qfrc_actuator.copy(), "actuator_moment": _dense_moment(m, d).ravel(),
            "qpos": d.qpos.copy(), "qvel": d.qvel.copy(), "act": d.act.copy(), "qacc": d.qacc.copy()}


# ------------------------------------------------------------------------------ (a) model fields


@pytest.mark.skipif(not DUMP, reason="set SINEW_MODEL_DUMP to the sinew-model-dump binary")
@pytest.mark.parametrize("name", REAL)
def test_compiled_actuator_fields(paths, name, tmp_path):
    m = mujoco.MjModel.from_xml_path(paths[name])
    p = subprocess.run([DUMP, paths[name], str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    worst = {}
    for f in MODEL_FIELDS:
        s = np.load(tmp_path / f"{f}.npy")
        r = np.asarray(getattr(m, f))
        assert s.size == r.size, f"{f}: {s.shape} vs {r.shape}"
        s, r = s.ravel().astype(float), r.ravel().astype(float)
        err = np.max(np.abs(s - r)) / max(1.0, np.max(np.abs(r))) if r.size else 0.0
        worst[f] = err
        tol = 1e-10 if f == "actuator_acc0" else 0.0
        assert err <= tol, f"{name} {f}: max relative error {err:.3g}"
    print(name, "model fields max error", max(worst.values()))


# ------------------------------------------------------------------------------ (b) random states


def _compare_states(m, paths_or_model, out_dir, precision, rtol, nstate=16, seed=0):
    rng = np.random.default_rng(seed)
    qpos, qvel = random_states(m, nstate, rng)
    act = rng.uniform(0, 1, (nstate, m.na))
    ctrl = rng.uniform(-0.2, 1.2, (nstate, 1, m.nu))
    for k, v in (("qpos", qpos), ("qvel", qvel), ("act", act), ("ctrl", ctrl)):
        np.save(out_dir / f"{k}.npy", v)
    _, out = run_rollout(paths_or_model, out_dir / "out", "--steps", 0, "--nworld", nstate, "--qpos0",
                         out_dir / "qpos.npy", "--qvel0", out_dir / "qvel.npy", "--act0", out_dir / "act.npy",
                         "--ctrl", out_dir / "ctrl.npy", "--precision", precision, fields=FIELDS)
    d = mujoco.MjData(m)
    worst = {f: 0.0 for f in FIELDS}
    for w in range(nstate):
        d.qpos[:], d.qvel[:], d.act[:], d.ctrl[:] = qpos[w], qvel[w], act[w], ctrl[w, 0]
        mujoco.mj_forward(m, d)
        ref = _reference(m, d)
        for f in FIELDS:
            err = np.max(np.abs(out[f][w, 0] - ref[f])) / max(1.0, np.max(np.abs(ref[f])))
            worst[f] = max(worst[f], err)
    return worst


@pytest.mark.parametrize("name", REAL)
def test_actuation_random_states(paths, name, tmp_path):
    m = mujoco.MjModel.from_xml_path(paths[name])
    worst = _compare_states(m, paths[name], tmp_path, "double", RTOL)
    print(name, "double", {k: f"{v:.2g}" for k, v in worst.items()})
    for f, e in worst.items():
        assert e <= RTOL, f"{name} {f}: {e:.3g}"


@pytest.mark.parametrize("name", ["myoelbow_exo", "bimanual"])
def test_actuation_random_states_float(paths, name, tmp_path):
    m = mujoco.MjModel.from_xml_path(paths[name])
    worst = _compare_states(m, paths[name], tmp_path, "float", RTOL_F)
    print(name, "float", {k: f"{v:.2g}" for k, v in worst.items()})
    for f, e in worst.items():
        assert e <= RTOL_F, f"{name} {f}: {e:.3g}"


# ------------------------------------------------------------------------------ (c) trajectories

MUSCLE_MODEL = """<mujoco model="actuator_test">
  <option integrator="{integrator}" timestep="0.002"><flag contact="disable"/></option>
  <worldbody>
    <body>
      <joint name="j" type="hinge" axis="0 1 0" damping="0.5"/>
      <geom type="capsule" size=".05" fromto="0 0 0 0 0 -0.5"/>
      <body pos="0 0 -0.5">
        <joint name="j2" type="hinge" axis="0 1 0" damping="0.2"/>
        <geom type="capsule" size=".05" fromto="0 0 0 0 0 -0.5"/>
        <body pos="0 0 -0.5">
          <joint name="j4" type="slide" axis="0 0 1"/>
          <geom type="sphere" size=".05"/>
        </body>
      </body>
    </body>
    <body pos="1 0 0">
      <joint name="j3" type="ball"/>
      <geom type="capsule" size=".05" fromto="0 0 0 0 0 -0.5"/>
    </body>
    <body pos="-1 0 0">
      <joint name="j5" type="hinge" axis="1 0 0"/>
      <geom type="capsule" size=".05" fromto="0 0 0 0 0 -0.5"/>
    </body>
  </worldbody>
  <tendon>
    <fixed name="tx" damping="0.3"><joint joint="j2" coef="0.3"/><joint joint="j5" coef="-0.2"/></fixed>
  </tendon>
  <actuator>
    <muscle name="m2" joint="j" force="5" lengthrange="-1 1"/>
    <muscle name="m1" joint="j2" tausmooth="0.3" timeconst="0.02 0.05" lengthrange="-1.5 0.8"/>
    <general name="g" joint="j4" dyntype="muscle" gaintype="muscle" biastype="muscle" dynprm="0.01 0.04"
             gainprm="0.7 1.1 -1 100 0.5 1.6 1.5 1.3 1.2" biasprm="0.7 1.1 -1 100 0.5 1.6 1.5 1.3 1.2"
             lengthrange="-0.3 0.3" actearly="true"/>
    <position joint="j2" kp="3" kv="0.5"/>
    <velocity joint="j2" kv="2"/>
    <motor joint="j" ctrlrange="-1 1"/>
    <intvelocity joint="j" actrange="-1 1" kp="2"/>
    <general joint="j" dyntype="filterexact" dynprm="0.1" gainprm="2 0.5 0.1" gaintype="affine" forcerange="-0.5 0.5"/>
    <general joint="j3" gear="0.1 0.2 0.3" dyntype="filter" dynprm="0.05"/>
    <damper joint="j4" kv="3" ctrlrange="0 1"/>
    <cylinder joint="j4" diameter="0.1" timeconst="0.2"/>
    <muscle name="mx" tendon="tx" lengthrange="-0.4 0.4"/>
  </actuator>
</mujoco>
"""
TRAJ = ["qpos", "qvel", "act", "act_dot", "actuator_force", "qfrc_actuator", "qacc"]


def _trajectory(tmp_path, integrator, precision, nstep, rtol):
    path = tmp_path / "model.xml"
    path.write_text(MUSCLE_MODEL.format(integrator=integrator))
    m = mujoco.MjModel.from_xml_path(str(path))
    rng = np.random.default_rng(1)
    W = 4
    qpos = np.tile(m.qpos0, (W, 1))
    qpos[:, :3] += rng.uniform(-0.5, 0.5, (W, 3))
    q = rng.normal(size=(W, 4))
    qpos[:, 3:7] = q / np.linalg.norm(q, axis=1, keepdims=True)
    qpos[:, 7] += rng.uniform(-0.5, 0.5, W)
    qvel = rng.normal(size=(W, m.nv))
    act = rng.uniform(-0.2, 1.2, (W, m.na))
    ctrl = rng.uniform(-0.5, 1.5, (W, nstep, m.nu))
    for k, v in (("qpos", qpos), ("qvel", qvel), ("act", act), ("ctrl", ctrl)):
        np.save(tmp_path / f"{k}.npy", v)
    _, out = run_rollout(path, tmp_path / "out", "--steps", nstep, "--nworld", W, "--qpos0", tmp_path / "qpos.npy",
                         "--qvel0", tmp_path / "qvel.npy", "--act0", tmp_path / "act.npy", "--ctrl",
                         tmp_path / "ctrl.npy", "--precision", precision, fields=TRAJ)
    d = mujoco.MjData(m)
    worst = {f: 0.0 for f in TRAJ}
    for w in range(W):
        mujoco.mj_resetData(m, d)
        d.qpos[:], d.qvel[:], d.act[:] = qpos[w], qvel[w], act[w]
        scale = {f: 1.0 for f in TRAJ}
        refs = []
        for t in range(nstep + 1):
            d.ctrl[:] = ctrl[w, min(t, nstep - 1)]
            mujoco.mj_forward(m, d)
            refs.append(_reference(m, d))
            if t < nstep:
                mujoco.mj_step(m, d)
        for f in TRAJ:
            scale[f] = max(1.0, max(np.max(np.abs(r[f])) for r in refs))
            for t, r in enumerate(refs):
                worst[f] = max(worst[f], np.max(np.abs(out[f][w, t] - r[f])) / scale[f])
    print(integrator, precision, {k: f"{v:.2g}" for k, v in worst.items()})
    for f, e in worst.items():
        assert e <= rtol, f"{integrator} {precision} {f}: {e:.3g}"


@pytest.mark.parametrize("integrator", ["Euler", "implicitfast", "RK4", "implicit"])
def test_muscle_trajectory(tmp_path, integrator):
    _trajectory(tmp_path, integrator, "double", 1000, TRAJ_RTOL)


@pytest.mark.parametrize("integrator", ["Euler", "implicitfast"])
def test_muscle_trajectory_float(tmp_path, integrator):
    _trajectory(tmp_path, integrator, "float", 200, TRAJ_RTOL_F)


# ------------------------------------------------------------------------------ (d) errors

BASE = """<mujoco><worldbody><site name="s0"/><body><joint name="j" {jattr}/><geom size=".1"/><site name="s"/></body>
</worldbody><actuator>{act}</actuator></mujoco>"""


@pytest.mark.parametrize("act,jattr,msg", [
    ('<general site="s"/>', '', "transmission 'site' is not supported yet"),
    ('<adhesion body="world"/>', '', "adhesion"),
    ('<muscle joint="j"/>', '', "Lengthrange computation did not converge in actuator 0"),
    ('<muscle joint="j" lengthrange="0 1" range="1 0.5"/>', '', "range[0]<range[1] required in muscle"),
    ('<position joint="j" inheritrange="1"/>', '', "has no range defined"),
    ('<general joint="j" actrange="0 1"/>', '', "actrange specified but dyntype is 'none'"),
])
def test_errors(tmp_path, act, jattr, msg):
    path = tmp_path / "bad.xml"
    path.write_text(BASE.format(act=act, jattr=jattr))
    p, _ = run_rollout(path, tmp_path / "out", "--steps", 0, check=False)
    assert p.returncode == 1
    assert msg in p.stderr, p.stderr
    assert "bad.xml:2" in p.stderr, p.stderr


# ------------------------------------------------------------------------------ (e) lengthrange by simulation

LR_MODEL = """<mujoco model="lengthrange">
  <compiler autolimits="true" angle="radian"><lengthrange {opts}/></compiler>
  <option integrator="{integrator}" solver="{solver}"/>
  <default><geom type="capsule" size="0.03" density="1000"/><muscle ctrlrange="0 1"/></default>
  <worldbody>
    <site name="s0" pos="0.05 0 0.05"/>
    <site name="s0b" pos="-0.05 0 0.05"/>
    <body name="upper">
      <joint name="shoulder" axis="0 1 0" range="-1 1.5" armature="0.01"/>
      <geom fromto="0 0 0 0 0 -0.3"/>
      <site name="s1" pos="0.04 0 -0.15"/><site name="s1b" pos="-0.04 0 -0.15"/>
      <body name="fore" pos="0 0 -0.3">
        <joint name="elbow" axis="0 1 0" range="0 2.2" armature="0.01"/>
        <geom fromto="0 0 0 0 0 -0.25"/>
        <site name="s2" pos="0.03 0 -0.05"/><site name="s2b" pos="-0.03 0 -0.05"/>
        <body name="hand" pos="0 0 -0.25">
          <joint name="wrist" axis="0 1 0" armature="0.01"/>
          <geom fromto="0 0 0 0 0 -0.08"/>
          <site name="s3" pos="0.02 0 -0.04"/>
          <body name="tip" pos="0 0 -0.08">
            <joint name="tipball" type="ball" range="0 0.6" armature="0.01"/>
            <geom fromto="0 0 0 0.01 0.01 -0.05"/>
            <site name="s4" pos="0.02 0.01 -0.04"/>
          </body>
        </body>
      </body>
    </body>
    <body name="slider" pos="0.5 0 0">
      <joint name="slide" type="slide" axis="1 0 0" armature="0.01"/>
      <geom type="box" size="0.05 0.05 0.05"/>
    </body>
  </worldbody>
  <equality><joint joint1="wrist" joint2="elbow" polycoef="0 0.4 0 0 0"/></equality>
  <tendon>
    <spatial name="flexor" limited="true" range="0.2 0.7"><site site="s0"/><site site="s1"/><site site="s2"/></spatial>
    <spatial name="extensor"><site site="s0b"/><site site="s1b"/><site site="s2b"/></spatial>
    <spatial name="digit"><site site="s2"/><site site="s3"/><site site="s4"/></spatial>
    <fixed name="coupled" limited="true" range="-0.5 0.8"><joint joint="shoulder" coef="0.5"/><joint joint="slide" coef="1"/></fixed>
  </tendon>
  <actuator>
    <muscle name="flexor" tendon="flexor"/>
    <muscle name="extensor" tendon="extensor" lengthrange="0.3 0.6"/>
    <muscle name="digit" tendon="digit"/>
    <muscle name="shoulder_m" joint="shoulder"/>
    <muscle name="coupled" tendon="coupled"/>
    <position name="elbow_p" joint="elbow" kp="10"/>
    <general name="user" joint="shoulder" gaintype="user" biastype="user"/>
  </actuator>
</mujoco>"""

LR_OPTS = ['', 'mode="all" useexisting="false"', 'uselimit="true"',
           'mode="muscleuser" maxforce="5" accel="10" timeconst="0.5"',
           'timestep="0.005" inttotal="5" interval="1" tolrange="0.1"', 'mode="none"']


def _lengthrange_both(path, tmp_path):
    """(mujoco's lengthrange or its error, sinew's lengthrange or its error)."""
    try:
        ref = mujoco.MjModel.from_xml_path(str(path)).actuator_lengthrange.ravel()
    except ValueError as e:
        ref = str(e)
    p = subprocess.run([DUMP, str(path), str(tmp_path)], capture_output=True, text=True, timeout=600)
    got = np.load(tmp_path / "actuator_lengthrange.npy").ravel() if p.returncode == 0 else p.stderr
    return ref, got


def _check_lengthrange(ref, got, tol):
    assert not isinstance(ref, str), ref
    assert not isinstance(got, str), got
    assert got.shape == ref.shape
    err = np.max(np.abs(got - ref))
    assert err <= tol, f"lengthrange error {err:.3g}: {got} vs {ref}"
    return err


@pytest.mark.skipif(not DUMP, reason="set SINEW_MODEL_DUMP to the sinew-model-dump binary")
@pytest.mark.parametrize("opts", LR_OPTS)
@pytest.mark.parametrize("integrator", ["Euler", "implicitfast", "RK4", "implicit"])
def test_lengthrange_simulated(tmp_path, opts, integrator):
    path = tmp_path / "lr.xml"
    path.write_text(LR_MODEL.format(opts=opts, integrator=integrator, solver="Newton"))
    ref, got = _lengthrange_both(path, tmp_path)
    print(opts, integrator, "lengthrange max error", _check_lengthrange(ref, got, 1e-12))


@pytest.mark.skipif(not DUMP, reason="set SINEW_MODEL_DUMP to the sinew-model-dump binary")
@pytest.mark.parametrize("solver", ["CG", "PGS"])
def test_lengthrange_simulated_solvers(tmp_path, solver):
    path = tmp_path / "lr.xml"
    path.write_text(LR_MODEL.format(opts='mode="all"', integrator="Euler", solver=solver))
    ref, got = _lengthrange_both(path, tmp_path)
    print(solver, "lengthrange max error", _check_lengthrange(ref, got, 1e-9))


@pytest.mark.skipif(not DUMP, reason="set SINEW_MODEL_DUMP to the sinew-model-dump binary")
def test_lengthrange_myofinger(tmp_path):
    from models_util import myo_sim_models_dir
    path = myo_sim_models_dir() / "legacy" / "finger" / "myofinger_v0.xml"
    ref, got = _lengthrange_both(path, tmp_path)
    assert np.all(ref[1::2] > ref[0::2])  # computed, not left at zero
    print("myofinger lengthrange max error", _check_lengthrange(ref, got, 1e-12))


@pytest.mark.skipif(not DUMP, reason="set SINEW_MODEL_DUMP to the sinew-model-dump binary")
def test_lengthrange_arm_refused_as_mujoco(tmp_path):
    # models/arm.xml's ranges are explicit; simulated, the anterior deltoid's range comes out
    # inverted in MuJoCo (the shoulder limit stops it on the "short" side first): both refuse
    src = os.path.join(os.path.dirname(__file__), "..", "..", "models", "arm.xml")
    text = open(src).read().replace('<compiler angle="radian" autolimits="true"/>',
                                    '<compiler angle="radian" autolimits="true"><lengthrange useexisting="false"/>'
                                    '</compiler>')
    assert "useexisting" in text
    path = tmp_path / "arm_lr.xml"
    path.write_text(text)
    ref, got = _lengthrange_both(path, tmp_path)
    assert isinstance(ref, str) and isinstance(got, str), (ref, got)
    msg = ref.replace("Error: ", "").strip()
    assert msg in got, (msg, got)
