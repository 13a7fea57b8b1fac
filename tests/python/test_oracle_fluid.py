"""Fluid forces (opt.density, opt.viscosity, opt.wind; inertia-box and ellipsoid models) against
MuJoCo 3.4.0.

(a) Compiled geom_fluid (the ellipsoid model's 12 coefficients: interaction, fluidcoef, virtual
    mass and inertia from MuJoCo's Gauss-Kronrod added-mass integral) for sphere, capsule,
    cylinder, ellipsoid and box geoms, default and given fluidcoef: <= 1e-12 relative.
(b) 16 random states per model (qpos in range, qvel ~ N(0, 2)), one sinew-rollout call
    (--steps 0): qfrc_fluid and qfrc_passive against mj_forward, for the inertia-box model
    (free, hinge, ball and slide bodies; density, viscosity and wind), the ellipsoid model (every
    geom type, a body mixing fluid and non-fluid geoms, a geom with interaction turned off by
    fluidshape="none") and both at once, at density 1.2 (air) and 1000 (water).
(c) 500-step trajectories under Euler and RK4: qpos and qvel at every step.
(d) implicitfast with fluid forces is refused at step time (MuJoCo adds the forces' velocity
    derivatives to its implicit step; Sinew does not compute them).

Tolerances (double): (b) |sinew - mujoco|_inf <= 1e-9 * |mujoco|_inf per field and state (the
field's own scale: air drag is ~1e-4 N here); (c) 1e-9 * max(1, |field|_inf over the trajectory)
(measured <= 7.4e-15 over 500 steps). Float (--precision float): (b) 1e-4 relative. The
measured errors are printed with pytest -s.
"""
import subprocess

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from oracle_util import ROLLOUT, random_states, run_rollout  # noqa: E402
from test_oracle_actuator import DUMP  # noqa: E402

pytestmark = pytest.mark.skipif(not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary")

BODIES = """
    <body name="free" pos="0 0 1"><freejoint/><geom {fs} type="box" size="0.1 0.2 0.05"/>
      <geom {fs} type="capsule" size="0.03 0.1" pos="0.2 0 0" euler="0 1.2 0.3"/></body>
    <body name="arm" pos="1 0 1"><joint name="h1" axis="0 1 0" range="-2 2"/>
      <geom {fs} type="cylinder" size="0.04 0.15" pos="0 0 -0.15"/>
      <body name="ballb" pos="0 0 -0.3"><joint name="b1" type="ball" range="0 1"/>
        <geom {fs} type="ellipsoid" size="0.05 0.1 0.2" pos="0 0 -0.2"/>
        <geom type="sphere" size="0.03" pos="0.05 0 0" fluidshape="none"/></body></body>
    <body name="slider" pos="-1 0 1"><joint name="s1" type="slide" axis="1 1 0" range="-1 1"/>
      <geom {fs} type="sphere" size="0.08"/></body>
    <body name="static" pos="0 2 0"><geom {fs} type="sphere" size="0.1"/></body>
"""

MODELS = {
    "box": dict(fs="", option='density="1.2" viscosity="1.8e-5" wind="0.5 -1 0.2"'),
    "box_water": dict(fs="", option='density="1000" viscosity="0.001"'),
    "ellipsoid": dict(fs='fluidshape="ellipsoid"', option='density="1.2" viscosity="1.8e-5" wind="0.5 -1 0.2"'),
    "ellipsoid_water": dict(fs='fluidshape="ellipsoid" fluidcoef="0.6 0.3 1.2 0.8 1.4"',
                            option='density="1000" viscosity="0.001" wind="0 0.3 0"'),
    "viscous_only": dict(fs='fluidshape="ellipsoid"', option='viscosity="0.5"'),
}


def model_xml(name, integrator="Euler"):
    c = MODELS[name]
    # "mixed": ellipsoid geoms on some bodies only; the others use the inertia box
    bodies = BODIES.format(fs=c["fs"])
    return (f'<mujoco model="fluid_{name}"><compiler angle="radian"/>'
            f'<option {c["option"]} integrator="{integrator}" timestep="0.002"/>'
            f'<worldbody>{bodies}</worldbody></mujoco>')


def mixed_xml(integrator="Euler"):
    bodies = BODIES.replace("{fs}", "", 3).replace("{fs}", 'fluidshape="ellipsoid"')
    return (f'<mujoco model="fluid_mixed"><compiler angle="radian"/>'
            f'<option density="1.2" viscosity="1.8e-5" wind="1 0 0" integrator="{integrator}"/>'
            f'<worldbody>{bodies}</worldbody></mujoco>')


ALL = {**{k: model_xml(k) for k in MODELS}, "mixed": mixed_xml()}


@pytest.mark.skipif(not DUMP, reason="set SINEW_MODEL_DUMP to the sinew-model-dump binary")
@pytest.mark.parametrize("name", ["ellipsoid", "ellipsoid_water", "mixed"])
def test_geom_fluid_compiled(tmp_path, name):
    path = tmp_path / "m.xml"
    path.write_text(ALL[name])
    m = mujoco.MjModel.from_xml_path(str(path))
    p = subprocess.run([DUMP, str(path), str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    ours = np.load(tmp_path / "geom_fluid.npy").reshape(m.geom_fluid.shape)
    assert np.any(m.geom_fluid[:, 0] > 0)
    err = np.abs(ours - m.geom_fluid).max() / np.abs(m.geom_fluid).max()
    print(name, "geom_fluid max relative error", err)
    assert err <= 1e-12


def _states(tmp_path, name, precision, rtol):
    path = tmp_path / "m.xml"
    path.write_text(ALL[name])
    m = mujoco.MjModel.from_xml_path(str(path))
    rng = np.random.default_rng(3)
    n = 16
    qpos, qvel = random_states(m, n, rng, qvel_scale=2.0)
    np.save(tmp_path / "qpos.npy", qpos)
    np.save(tmp_path / "qvel.npy", qvel)
    fields = ["qfrc_fluid", "qfrc_passive"]
    _, out = run_rollout(path, tmp_path / "out", "--steps", 0, "--nworld", n, "--qpos0", tmp_path / "qpos.npy",
                         "--qvel0", tmp_path / "qvel.npy", "--precision", precision, fields=fields)
    d = mujoco.MjData(m)
    worst = {f: 0.0 for f in fields}
    for w in range(n):
        mujoco.mj_resetData(m, d)
        d.qpos[:], d.qvel[:] = qpos[w], qvel[w]
        mujoco.mj_forward(m, d)
        assert np.abs(d.qfrc_fluid).max() > 1e-6  # the state exercises the forces
        for f in fields:
            ref = getattr(d, f)
            # relative to the field's own scale: air drag forces are small (1e-4 N here)
            err = np.abs(out[f][w, 0] - ref).max() / np.abs(ref).max()
            worst[f] = max(worst[f], err)
    print(name, precision, worst)
    for f, e in worst.items():
        assert e <= rtol, f"{name} {f}: {e:.3g}"


@pytest.mark.parametrize("name", list(ALL))
def test_fluid_random_states(tmp_path, name):
    _states(tmp_path, name, "double", 1e-9)


@pytest.mark.parametrize("name", ["box", "ellipsoid_water"])
def test_fluid_random_states_float(tmp_path, name):
    _states(tmp_path, name, "float", 1e-4)


@pytest.mark.parametrize("name,integrator", [(n, i) for n in ["box_water", "ellipsoid_water", "mixed"] for i in
                                             ["Euler", "RK4"]] +
                         [(n, i) for n in ["box", "box_water", "ellipsoid", "ellipsoid_water", "mixed", "viscous_only"]
                          for i in ["implicitfast", "implicit"]])
def test_fluid_trajectory(tmp_path, name, integrator):
    """500 steps from a random state; the implicit integrators put the fluid forces' velocity
    derivative into qDeriv (MuJoCo's mjd_inertiaBoxFluid and mjd_ellipsoidFluid: symmetrized
    6 x 6 blocks under implicitfast, not under implicit)."""
    xml = mixed_xml(integrator) if name == "mixed" else model_xml(name, integrator)
    path = tmp_path / "m.xml"
    path.write_text(xml)
    m = mujoco.MjModel.from_xml_path(str(path))
    rng = np.random.default_rng(5)
    qpos, qvel = random_states(m, 1, rng, qvel_scale=2.0)
    np.save(tmp_path / "qpos.npy", qpos)
    np.save(tmp_path / "qvel.npy", qvel)
    nstep = 500
    _, out = run_rollout(path, tmp_path / "out", "--steps", nstep, "--qpos0", tmp_path / "qpos.npy", "--qvel0",
                         tmp_path / "qvel.npy", fields=["qpos", "qvel"])
    d = mujoco.MjData(m)
    d.qpos[:], d.qvel[:] = qpos[0], qvel[0]
    ref = {"qpos": [], "qvel": []}
    mujoco.mj_forward(m, d)
    for _ in range(nstep + 1):
        ref["qpos"].append(d.qpos.copy())
        ref["qvel"].append(d.qvel.copy())
        mujoco.mj_step(m, d)
    for f in ("qpos", "qvel"):
        r = np.array(ref[f])
        err = np.abs(out[f][0] - r).max() / max(1.0, np.abs(r).max())
        print(name, integrator, f, err)
        assert err <= 1e-9, f"{name} {integrator} {f}: {err:.3g}"

