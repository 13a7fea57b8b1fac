"""Sinew's sensor stage (sensor/sensor.hpp, through sinew-rollout) against MuJoCo 3.4.0.

Per step, as in test_oracle_solver: Sinew's state and controls at step t are loaded into MuJoCo,
mj_forward runs, and every sensor Sinew computes must match MuJoCo's sensordata within 1e-9 of
max(1, |value|) (double; measured ~1e-13: the touch sensors sum contact forces that agree to
~1e-12, the rest are copies or products of kinematic quantities that agree to rounding; the
rangefinder on the feature model's mesh 2.5e-10, because Sinew's compiled vertices of that small
mesh differ from MuJoCo's by one float32 ulp, 4.7e-10 m). Sensors
Sinew does not compute must read NaN. The sensor layout itself (sensor_adr, dim, types, objects)
is compared by test_compiler.py.

Models: MyoFullBody (its four foot touch sensors on box sites; the test requires the feet to carry
load), BimanualMuscle (106 framelinvel/frameangvel sensors), MyoSuite's legs with the OSL
prosthesis (touch, and its two force sensors on the socket: cfrc_int through contacts) and a
feature model with every computed type, touch on all five site shapes, cutoffs, frame sensors on
bodies, inertial frames, geoms and sites; accelerometer, force and torque sensors on bodies in
contact, held by connect (body and site semantics) and weld equalities and on a limited chain
(mj_rnePostConstraint's cfrc_ext from contacts and equalities, cacc, cfrc_int); subtree linear
velocity and angular momentum (the world's included); rangefinders (mj_ray against the floor plane,
every primitive, an invisible geom (alpha 0) and a transparent material, which the ray skips, and
a mesh and a height field, from sites on moving bodies); and one unsupported sensor (distance).

Needs $SINEW_ROLLOUT; skips otherwise.
"""
import os

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from models_util import model_paths, musclemimic_path
from oracle_util import MUSCLEMIMIC, ROLLOUT
from test_oracle_solver import load_step, run_both

pytestmark = pytest.mark.skipif(
    not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary (tools/sinew_rollout.cpp)")

RTOL = 1e-9
S = mujoco.mjtSensor
COMPUTED = {S.mjSENS_TOUCH, S.mjSENS_VELOCIMETER, S.mjSENS_GYRO, S.mjSENS_JOINTPOS, S.mjSENS_JOINTVEL,
            S.mjSENS_TENDONPOS, S.mjSENS_TENDONVEL, S.mjSENS_ACTUATORPOS, S.mjSENS_ACTUATORVEL,
            S.mjSENS_ACTUATORFRC, S.mjSENS_BALLQUAT, S.mjSENS_BALLANGVEL, S.mjSENS_JOINTLIMITFRC,
            S.mjSENS_TENDONLIMITFRC, S.mjSENS_FRAMEPOS, S.mjSENS_FRAMEQUAT, S.mjSENS_FRAMEXAXIS,
            S.mjSENS_FRAMEYAXIS, S.mjSENS_FRAMEZAXIS, S.mjSENS_FRAMELINVEL, S.mjSENS_FRAMEANGVEL,
            S.mjSENS_SUBTREECOM, S.mjSENS_CLOCK, S.mjSENS_ACCELEROMETER, S.mjSENS_FORCE, S.mjSENS_TORQUE,
            S.mjSENS_MAGNETOMETER, S.mjSENS_JOINTLIMITPOS, S.mjSENS_JOINTLIMITVEL, S.mjSENS_TENDONLIMITPOS,
            S.mjSENS_TENDONLIMITVEL, S.mjSENS_JOINTACTFRC, S.mjSENS_TENDONACTFRC, S.mjSENS_FRAMELINACC,
            S.mjSENS_FRAMEANGACC, S.mjSENS_SUBTREELINVEL, S.mjSENS_SUBTREEANGMOM, S.mjSENS_RANGEFINDER}

FEATURE = """<mujoco>
  <option timestep="0.002"/>
  <asset>
    <material name="glass" rgba="1 1 1 0"/>
    <!-- faces given: the hull Sinew computes for a bare vertex cloud orders its faces unlike
         qhull, which moves the compiled vertices by ~1e-9 (test_oracle_collision's mesh bounds) -->
    <mesh name="rock" vertex="0.05 0 0  -0.05 0 0  0 0.04 0  0 -0.04 0  0 0 0.06  0 0 -0.07"
          face="0 2 4  2 1 4  1 3 4  3 0 4  2 0 5  1 2 5  3 1 5  0 3 5"/>
    <hfield name="bumps" nrow="3" ncol="4" size=".4 .4 .05 .02" elevation="0 .5 1 .2  .3 .9 .1 .6  1 0 .4 .8"/>
  </asset>
  <worldbody>
    <geom type="plane" size="5 5 .1"/>
    <!-- rangefinder targets only (no contacts): terrain under the ball, a rock under wb, two
         invisible sheets (alpha 0, transparent material) below a visible ceiling -->
    <geom name="terrain" type="hfield" hfield="bumps" pos="0 0 .01" contype="0" conaffinity="0"/>
    <geom name="rockg" type="mesh" mesh="rock" pos="0 -.4 .15" euler="10 20 30" contype="0" conaffinity="0"/>
    <geom name="inv" type="box" size="3 3 .01" pos="0 0 1.5" rgba="1 0 0 0" contype="0" conaffinity="0"/>
    <geom name="glass" type="box" size="3 3 .01" pos="0 0 2" material="glass" contype="0" conaffinity="0"/>
    <geom name="ceiling" type="box" size="3 3 .01" pos="0 0 2.5" contype="0" conaffinity="0"/>
    <body name="ball" pos="0 0 .3"><freejoint/><geom name="bg" type="sphere" size=".06"/>
      <site name="s_sphere" type="sphere" size=".07"/><site name="rf_down" euler="175 5 0"/></body>
    <body name="cap" pos=".4 0 .3" euler="0 80 0"><freejoint/><geom type="capsule" size=".05 .1"/>
      <site name="s_capsule" type="capsule" size=".06 .1"/></body>
    <body name="ell" pos="-.4 0 .3"><freejoint/><geom type="ellipsoid" size=".08 .06 .05"/>
      <site name="s_ellipsoid" type="ellipsoid" size=".09 .07 .06"/></body>
    <body name="cyl" pos="0 .4 .3"><freejoint/><geom type="sphere" size=".05" pos=".03 0 0"/>
      <geom type="sphere" size=".05" pos="-.03 0 0"/><site name="s_cylinder" type="cylinder" size=".09 .06"/></body>
    <body name="boxb" pos="0 -.4 .3"><freejoint/><geom type="capsule" size=".04 .08" euler="90 0 0" condim="4"/>
      <site name="s_box" type="box" size=".05 .13 .05" pos=".02 0 -.01" euler="0 0 10"/></body>
    <body name="arm" pos="0 1 .5">
      <joint name="h1" type="hinge" axis="0 1 0" range="-30 30" damping=".1"/>
      <geom type="capsule" fromto="0 0 0 .3 0 0" size=".03"/>
      <body name="fore" pos=".3 0 0"><joint name="sl" type="slide" axis="1 0 0" range="-.05 .05"/>
        <joint name="bj" type="ball" damping=".05"/>
        <geom name="fg" type="capsule" fromto="0 0 0 .2 0 -.1" size=".03"/><site name="tip" pos=".2 0 -.1"/>
      </body>
    </body>
    <body name="hang" pos=".5 1 .35"><freejoint/><geom type="box" size=".03 .03 .03" contype="0" conaffinity="0"/>
      <site name="hs" pos="0 0 .05"/><site name="hs2" pos=".02 .01 -.03" euler="10 20 30"/></body>
    <body name="wb" pos="0 -.4 .5"><freejoint/><geom type="sphere" size=".04"/><site name="ws" pos=".01 0 .02"/>
      <site name="rf_rock" euler="180 3 0"/></body>
    <body name="pair1" pos="1 -1 .4"><freejoint/><geom type="sphere" size=".05" contype="0" conaffinity="0"/>
      <site name="p1" pos=".05 0 0"/></body>
    <body name="pair2" pos="1.1 -1 .4"><freejoint/><geom type="sphere" size=".05" contype="0" conaffinity="0"/>
      <site name="p2" pos="-.05 0 0"/></body>
  </worldbody>
  <equality>
    <connect body1="hang" body2="fore" anchor="0 0 .05"/>
    <weld body1="wb" body2="boxb"/>
    <connect site1="p1" site2="p2"/>
  </equality>
  <tendon><fixed name="t" limited="true" range="-.2 .2"><joint joint="h1" coef="1"/><joint joint="sl" coef="2"/></fixed></tendon>
  <actuator><motor name="m1" joint="h1" gear="5" ctrlrange="-1 1"/><motor name="m2" tendon="t" gear="3" ctrlrange="-1 1"/></actuator>
  <sensor>
    <touch site="s_sphere"/><touch site="s_capsule"/><touch site="s_ellipsoid"/><touch site="s_cylinder"/>
    <touch site="s_box" cutoff="5"/>
    <jointpos joint="h1"/><jointvel joint="sl" cutoff="0.1"/><tendonpos tendon="t"/><tendonvel tendon="t"/>
    <actuatorpos actuator="m2"/><actuatorvel actuator="m1"/><actuatorfrc actuator="m1"/>
    <ballquat joint="bj"/><ballangvel joint="bj"/><jointlimitfrc joint="h1"/><jointlimitfrc joint="sl"/>
    <tendonlimitfrc tendon="t"/>
    <framepos objtype="body" objname="fore"/><framepos objtype="xbody" objname="fore"/>
    <framequat objtype="body" objname="fore"/><framequat objtype="geom" objname="fg"/>
    <framequat objtype="site" objname="tip"/><framexaxis objtype="geom" objname="fg"/>
    <frameyaxis objtype="body" objname="cap"/><framezaxis objtype="site" objname="s_box"/>
    <framelinvel objtype="body" objname="fore"/><framelinvel objtype="site" objname="tip"/>
    <frameangvel objtype="xbody" objname="cap"/><framelinvel objtype="geom" objname="bg" cutoff="0.3"/>
    <velocimeter site="tip"/><gyro site="tip"/><subtreecom body="arm"/><clock/>
    <accelerometer site="tip"/><accelerometer site="s_sphere"/><accelerometer site="hs2"/>
    <force site="tip"/><torque site="tip"/><force site="hs2"/><torque site="hs2"/><force site="ws"/>
    <torque site="s_sphere"/><force site="p1"/><torque site="p2"/><magnetometer site="hs2"/>
    <jointlimitpos joint="h1"/><jointlimitvel joint="sl"/><tendonlimitpos tendon="t"/><tendonlimitvel tendon="t"/>
    <jointactuatorfrc joint="h1"/><tendonactuatorfrc tendon="t"/>
    <framelinacc objtype="body" objname="fore"/><frameangacc objtype="site" objname="hs2"/>
    <framelinacc objtype="geom" objname="bg"/><frameangacc objtype="xbody" objname="wb"/>
    <subtreelinvel body="arm"/><subtreeangmom body="arm"/><subtreeangmom body="world"/><subtreelinvel body="cap"/>
    <rangefinder site="tip"/><rangefinder site="s_sphere"/><rangefinder site="hs2"/>
    <rangefinder site="p1" cutoff="0.5"/><rangefinder site="ws"/><rangefinder site="rf_down"/>
    <rangefinder site="rf_rock"/>
    <distance geom1="bg" geom2="fg"/>
  </sensor>
</mujoco>
"""


def compare(path, tmp, nstep, opts, nworld=2, key=True):
    fields = ["time", "qpos", "qvel", "act", "qacc_warmstart", "sensordata", "status"]
    m, ctrl, out = run_both(path, tmp, nstep, opts, nworld, seed=1, key=key, fields=fields)
    d = mujoco.MjData(m)
    computed = np.zeros(m.nsensordata, bool)
    for i in range(m.nsensor):
        ok = m.sensor_type[i] in COMPUTED and m.sensor_refid[i] < 0
        computed[m.sensor_adr[i]:m.sensor_adr[i] + m.sensor_dim[i]] = ok
    worst = 0.0
    touch = [i for i in range(m.nsensor) if m.sensor_type[i] == S.mjSENS_TOUCH]
    touch_max = np.zeros(len(touch))
    for w in range(nworld):
        for t in range(nstep):
            assert out["status"][w, t, 0] == 0
            load_step(m, d, out, ctrl, w, t)
            got = out["sensordata"][w, t]
            assert np.all(np.isnan(got[~computed])), f"world {w} step {t}: sensors Sinew does not compute must be NaN"
            ref = d.sensordata[computed]
            err = np.abs(got[computed] - ref) / np.maximum(1.0, np.abs(ref))
            if err.size:
                i = int(np.argmax(err))
                assert err[i] <= RTOL, f"world {w} step {t}: sensordata[{np.nonzero(computed)[0][i]}] {got[computed][i]} vs MuJoCo {ref[i]}"
                worst = max(worst, float(err[i]))
            touch_max = np.maximum(touch_max, [d.sensordata[m.sensor_adr[i]] for i in touch])
    print(os.path.basename(str(path)), opts, "sensors", m.nsensor, "computed values", int(computed.sum()),
          f"worst {worst:.1e}", "max touch", np.round(touch_max, 1))
    return m, touch_max


@pytest.mark.parametrize("opts", [{}, MUSCLEMIMIC], ids=["default", "musclemimic"])
def test_myofullbody_touch(tmp_path, opts):
    m, load = compare(musclemimic_path("myofullbody"), tmp_path, 30, opts)
    assert sum(m.sensor_type == S.mjSENS_TOUCH) == 4
    assert load.max() > 100.0  # the feet carry weight: the touch sensors see contacts


def test_bimanual_frame_velocities(tmp_path):
    m, _ = compare(musclemimic_path("bimanual"), tmp_path, 20, MUSCLEMIMIC)
    assert sum(m.sensor_type == S.mjSENS_FRAMELINVEL) > 40


def test_myolegs_osl_touch_and_unsupported_force(tmp_path):
    paths = model_paths(tmp_path)
    m, load = compare(paths["myolegs_osl"], tmp_path, 300, {}, nworld=1)
    assert sum(m.sensor_type == S.mjSENS_TOUCH) == 3
    assert sum(m.sensor_type == S.mjSENS_FORCE) == 2  # cfrc_int of the socket body


@pytest.mark.parametrize("opts", [{}, {"cone": "elliptic"}], ids=["pyramidal", "elliptic"])
def test_feature_model(tmp_path, opts):
    path = tmp_path / "feature.xml"
    path.write_text(FEATURE)
    m, load = compare(path, tmp_path, 150, opts, nworld=2, key=False)
    # each of the five touch sites (sphere, capsule, ellipsoid, cylinder, box) sees its body's
    # floor contact at some step
    assert np.all(load > 1.0), load
    # the rangefinders hit what they aim at: the ceiling through the invisible sheets (2.2 m up
    # from the ball), the terrain under the ball, the rock under wb
    d = mujoco.MjData(m)
    mujoco.mj_forward(m, d)
    rf = {mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_SITE, m.sensor_objid[i]): d.sensordata[m.sensor_adr[i]]
          for i in range(m.nsensor) if m.sensor_type[i] == S.mjSENS_RANGEFINDER}
    assert 2.1 < rf["s_sphere"] < 2.3 and 0.2 < rf["rf_down"] < 0.3 and 0.1 < rf["rf_rock"] < 0.2, rf
