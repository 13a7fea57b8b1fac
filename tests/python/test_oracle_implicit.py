"""The implicit integrator (integrate/implicit.hpp) against MuJoCo 3.4.0's mj_implicit.

IMPLICIT below exercises every term of implicit's qDeriv: the RNE velocity derivative
(Coriolis, centrifugal and gyroscopic terms of fast-spinning free bodies, a ball-joint chain and a
hinge chain), dof damping, tendon damping and velocity actuators (affine kv bias), under
contacts with the floor and an equality constraint. Per step: Sinew's state at step t (time,
qpos, qvel, act, qacc_warmstart) and controls are loaded into MuJoCo, mj_step runs once, and
MuJoCo's qpos and qvel are compared with Sinew's at t + 1, so the comparison isolates one implicit
step from trajectory chaos. Tolerance (double): 1e-9 of the field's scale (max(1, |field|));
measured about 1e-14 (the two factor the same matrix in the same elimination order; Sinew
computes d qfrc_bias / d qvel column by column by forward-mode differentiation of the RNE, MuJoCo
by reverse sparse products, so the sums are ordered differently). Without contacts the whole
500-step trajectory is compared too.

Needs $SINEW_ROLLOUT; skips otherwise.
"""
import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from oracle_util import ROLLOUT, run_rollout

pytestmark = pytest.mark.skipif(not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary")

IMPLICIT = """<mujoco>
  <option timestep="0.004" integrator="implicit"/>
  <default><geom friction="0.8 0.01 0.001"/></default>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 .1" contype="{floor}" conaffinity="{floor}"/>
    <body name="top" pos="0 0 .3"><freejoint/>
      <geom type="box" size=".12 .04 .02" mass="1"/><geom type="cylinder" size=".05 .03" pos="0 0 .04"/></body>
    <body name="rod" pos=".5 0 .4"><freejoint/><geom type="capsule" fromto="-.2 0 0 .2 0 0" size=".02"/></body>
    <body name="chain" pos="-.5 0 1">
      <joint name="b1" type="ball" damping=".02"/>
      <geom type="capsule" fromto="0 0 0 .2 0 -.1" size=".03"/>
      <site name="s1" pos=".1 0 -.05"/>
      <body pos=".2 0 -.1"><joint name="b2" type="ball"/><geom type="capsule" fromto="0 0 0 .2 .1 -.1" size=".03"/>
        <body pos=".2 .1 -.1"><joint name="h3" type="hinge" axis="0 1 1" damping=".05"/>
          <geom type="capsule" fromto="0 0 0 .15 0 0" size=".02"/><site name="s2" pos=".15 0 0"/></body></body>
    </body>
    <body name="arm" pos="0 .6 .8">
      <joint name="a1" type="hinge" axis="0 0 1"/><geom type="capsule" fromto="0 0 0 .3 0 0" size=".02"/>
      <body pos=".3 0 0"><joint name="a2" type="hinge" axis="0 1 0"/><geom type="capsule" fromto="0 0 0 .3 0 0" size=".02"/>
        <body pos=".3 0 0"><joint name="a3" type="slide" axis="1 0 0" damping=".3"/><geom type="sphere" size=".04"/></body>
      </body>
    </body>
  </worldbody>
  <tendon><spatial name="t" damping=".4"><site site="s1"/><site site="s2"/></spatial></tendon>
  <equality><joint joint1="a2" joint2="h3" polycoef="0 .3 0 0 0"/></equality>
  <actuator>
    <velocity joint="a1" kv="2"/><velocity joint="a3" kv="5"/><motor joint="a2" gear="3"/>
    <general tendon="t" gainprm="10" biasprm="0 0 -3" biastype="affine"/>
  </actuator>
</mujoco>
"""


def _setup(tmp_path, contacts):
    path = tmp_path / "implicit.xml"
    path.write_text(IMPLICIT.format(floor=1 if contacts else 0))
    m = mujoco.MjModel.from_xml_path(str(path))
    d = mujoco.MjData(m)
    rng = np.random.default_rng(21)
    # fast spins: gyroscopic terms dominate the free bodies' Coriolis derivative
    d.qvel[:] = rng.normal(0, 2, m.nv)
    d.qvel[3:6] = [0.5, 1.0, 25.0]
    d.qvel[9:12] = [15.0, -3.0, 8.0]
    np.save(tmp_path / "qpos0.npy", d.qpos[None])
    np.save(tmp_path / "qvel0.npy", d.qvel[None])
    nstep = 500
    ctrl = rng.uniform(-1, 1, (1, nstep, m.nu))
    np.save(tmp_path / "ctrl.npy", ctrl)
    fields = ["time", "qpos", "qvel", "act", "qacc_warmstart", "ncon", "status"]
    _, out = run_rollout(path, tmp_path / "out", "--steps", nstep, "--qpos0", tmp_path / "qpos0.npy",
                         "--qvel0", tmp_path / "qvel0.npy", "--ctrl", tmp_path / "ctrl.npy", fields=fields)
    return m, d, ctrl[0], out, nstep


@pytest.mark.parametrize("contacts", [True, False], ids=["contacts", "no-contacts"])
def test_implicit_per_step(tmp_path, contacts):
    m, d, ctrl, out, nstep = _setup(tmp_path, contacts)
    worst = {"qpos": 0.0, "qvel": 0.0}
    ncon = 0
    for t in range(nstep):
        assert out["status"][0, t + 1, 0] == 0
        d.time = out["time"][0, t, 0]
        d.qpos[:] = out["qpos"][0, t]
        d.qvel[:] = out["qvel"][0, t]
        d.qacc_warmstart[:] = out["qacc_warmstart"][0, t]
        d.ctrl[:] = ctrl[t]
        mujoco.mj_step(m, d)
        ncon += d.ncon
        for f in worst:
            ref = getattr(d, f)
            err = np.abs(out[f][0, t + 1] - ref).max() / max(1.0, np.abs(ref).max())
            worst[f] = max(worst[f], err)
    print("implicit per step", "contacts" if contacts else "no contacts", ncon, {f: f"{e:.1e}" for f, e in worst.items()})
    if contacts:
        assert ncon > 100  # the bodies do reach the floor
    for f, e in worst.items():
        assert e <= 1e-9, (f, e)


def test_implicit_trajectory(tmp_path):
    """Without contacts, the whole trajectory from the same start follows MuJoCo's."""
    m, d, ctrl, out, nstep = _setup(tmp_path, False)
    d.qpos[:] = out["qpos"][0, 0]
    d.qvel[:] = out["qvel"][0, 0]
    worst = 0.0
    for t in range(nstep):
        d.ctrl[:] = ctrl[t]
        mujoco.mj_step(m, d)
        worst = max(worst, np.abs(out["qvel"][0, t + 1] - d.qvel).max() / max(1.0, np.abs(d.qvel).max()))
    print("implicit trajectory qvel", f"{worst:.1e}")
    assert np.abs(d.qvel[3:6]).max() > 5  # still spinning
    assert worst <= 1e-9, worst
