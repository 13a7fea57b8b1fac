"""Sinew's smooth dynamics (sinew-rollout) against MuJoCo 3.4.0, field by field.

Needs the CLI built from tools/sinew_rollout.cpp; its path comes from $SINEW_ROLLOUT (every
test skips when it is unset). Run: SINEW_ROLLOUT=/path/to/sinew-rollout pytest tests/python/test_oracle_smooth.py

(a) Real models (MyoFullBody, BimanualMuscle, myo-sim's OSL legs and models_util's generated arm
    and legs wrappers): 32 random states each, one sinew-rollout call (--steps 0, nworld 32), each
    state compared with mj_forward. qfrc_passive includes joint and tendon springs and dampers and
    gravity compensation, as in MuJoCo (these models have no fluid forces; test_oracle_fluid.py
    covers those). qacc depends on actuation and constraints, so it is not compared on real models here.
(b) 1000-step trajectories of the four models/ test models with Euler (eulerdamp on and off) and
    RK4 at timestep 0.002 and 0.001, every step's qpos and qvel against mj_forward/mj_step.
(c) serial and omp backends bit-identical; (d) --keyframe, --option, --qpos0/--qvel0 broadcast;
(e) error cases (missing model, malformed XML, unknown field, unknown option).

Tolerances (double). Kinematics: 1e-10 absolute (positions in metres, quaternions and rotation
matrices unitless); measured: exactly 0 on every model (Sinew composes frames in MuJoCo's order).
qM, qfrc_bias, qfrc_passive and the other dynamics fields: |sinew - mujoco|_inf <= 1e-9 *
|mujoco|_inf per state; measured <= 5e-16 on the fixed-base models, 1.8e-13 on myolegs and
4.1e-12 (qfrc_bias) / 1.2e-12 (qM) on MyoFullBody, whose free root is placed up to 1.7 m from the
origin, so com-offset products cancel (qacc on ball_chain: 2.3e-13, through a light,
low-armature chain).
Trajectories: |err|_inf <= 1e-9 * max(1, |field|_inf over the trajectory) at every step, the same
bound for every model: the test models are damped and not chaotic over 1000 steps (a 1e-13
relative perturbation of MuJoCo's initial velocity is still <= 5e-14 after 1000 steps, measured),
and the measured Sinew error stays at 1e-16..2e-14 from step 100 to step 1000 (no growth).

Tolerances (float, --precision float: the model is compiled in double and cast, every stage runs
in float32, unit roundoff 6e-8). Errors grow with tree depth (each level composes one more
rotation and offset: a few ulp per level) and, for qM and qfrc_bias, with the spread of the
summed terms (a finger bone's inertia next to the trunk's). Measured over 32 random states per
real model: kinematics <= 9.0e-7 (xmat on MyoFullBody; positions <= 7.7e-7 m), qM <= 8.9e-7 and
qfrc_bias <= 1.3e-6 relative (BimanualMuscle, MyoArm), qfrc_passive <= 1.3e-7. Bounds: 5e-6
absolute and 1e-5 relative, 5-8x the measurements (tighter than the generic 5e-4 of the GPU
ports, and far below the 1e-3..1e-1 changes a wrong sign or a missing term produces; the cdof
sign slip found by this file gave 0.2..2 relative). Float trajectories carry the rounding
along (measured max over all configurations: chain 1.6e-6, free_bodies 2.8e-6, ball_chain
5.9e-6, branched_tree 1.5e-6 relative); per-model bounds are ~5x those. The six configurations
differ from one another by 4e-4..3e-2 relative in MuJoCo itself (eulerdamp on/off, Euler/RK4),
so even the float bounds tell them apart.
"""
import os
import tempfile

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from models_util import model_paths
from oracle_util import ROLLOUT, our_model, random_states, run_rollout

pytestmark = pytest.mark.skipif(
    not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary (tools/sinew_rollout.cpp)")

NSTATE = 32
KIN = ["xpos", "xquat", "xmat", "xipos", "ximat", "geom_xpos", "geom_xmat", "site_xpos", "site_xmat"]
DYN = ["qM", "qfrc_bias", "qfrc_passive"]

KIN_ATOL = 1e-10
DYN_RTOL = 1e-9
# float32 bounds, from measurements (worst over all real models and states; module docstring)
KIN_ATOL_F = 5e-6   # measured <= 9.0e-7
DYN_RTOL_F = 1e-5   # measured <= 1.3e-6 relative to the field's max abs value
TRAJ_RTOL = 1e-9    # measured <= 2e-14
TRAJ_RTOL_F = {"chain": 1e-5, "free_bodies": 2e-5, "ball_chain": 3e-5, "branched_tree": 1e-5}

# ------------------------------------------------------------------------------ helpers


def _reference_model(m):
    """The model MuJoCo's qfrc_passive is compared against, unchanged (Sinew computes every passive
    force, fluid forces included)."""
    return m


def _fields_of(m, d):
    """Every field the CLI can write, as MuJoCo computes it, flattened per world."""
    M = np.zeros((m.nv, m.nv))
    mujoco.mj_fullM(m, M, d.qM)
    return {
        "qpos": d.qpos, "qvel": d.qvel, "qacc": d.qacc, "time": np.array([d.time]),
        "xpos": d.xpos, "xquat": d.xquat, "xmat": d.xmat, "xipos": d.xipos, "ximat": d.ximat,
        "geom_xpos": d.geom_xpos, "geom_xmat": d.geom_xmat, "site_xpos": d.site_xpos, "site_xmat": d.site_xmat,
        "subtree_com": d.subtree_com, "cinert": d.cinert, "cdof": d.cdof, "cvel": d.cvel,
        "qfrc_bias": d.qfrc_bias, "qfrc_passive": d.qfrc_passive, "qfrc_spring": d.qfrc_spring,
        "qfrc_damper": d.qfrc_damper, "qacc_smooth": d.qacc_smooth, "qfrc_smooth": d.qfrc_smooth, "qM": M,
    }


def mujoco_forward(m, qpos, qvel, fields):
    """mj_forward at each (qpos, qvel); returns field -> (n, dim)."""
    d = mujoco.MjData(m)
    out = {f: [] for f in fields}
    for q, v in zip(qpos, qvel):
        mujoco.mj_resetData(m, d)
        d.qpos[:] = q
        d.qvel[:] = v
        mujoco.mj_forward(m, d)
        ref = _fields_of(m, d)
        for f in fields:
            out[f].append(np.array(ref[f], dtype=np.float64).ravel())
    return {f: np.array(v) for f, v in out.items()}


def kin_error(field, ours, ref):
    """Max abs error per state; quaternions compared up to sign (q and -q are one rotation)."""
    if field == "xquat":
        a, b = ours.reshape(len(ours), -1, 4), ref.reshape(len(ref), -1, 4)
        e = np.minimum(np.abs(a - b).max(-1), np.abs(a + b).max(-1))
        return e.max(-1)
    return np.abs(ours - ref).max(-1)


def rel_error(ours, ref):
    """Max abs error per state relative to the reference field's max abs value in that state."""
    scale = np.maximum(np.abs(ref).max(-1), 1e-300)
    return np.abs(ours - ref).max(-1) / scale


# ------------------------------------------------------------------------------ (a) real models

# models_util names: MuscleMimic's two, myo-sim's OSL legs and its generated arm and legs wrappers
REAL_MODELS = ["myofullbody", "bimanual", "myolegs_osl", "myoarm", "myolegs"]


@pytest.fixture(scope="module")
def gen_dir():
    with tempfile.TemporaryDirectory(prefix="sinew_oracle_") as d:
        yield d


@pytest.fixture(scope="module")
def real_paths(gen_dir):
    return model_paths(gen_dir)


@pytest.fixture(scope="module", params=REAL_MODELS)
def real_case(request, gen_dir, real_paths):
    """Model path, the MuJoCo model and reference, and Sinew's double and float outputs."""
    name = request.param
    path = real_paths[name]
    m = _reference_model(mujoco.MjModel.from_xml_path(path))
    rng = np.random.default_rng(sum(map(ord, name)))
    qpos, qvel = random_states(m, NSTATE, rng)
    fields = KIN + DYN
    ref = mujoco_forward(m, qpos, qvel, fields)
    out_dir = os.path.join(gen_dir, name + "_out")
    np.save(os.path.join(gen_dir, name + "_qpos.npy"), qpos)
    np.save(os.path.join(gen_dir, name + "_qvel.npy"), qvel)
    common = ["--steps", 0, "--nworld", NSTATE, "--qpos0", os.path.join(gen_dir, name + "_qpos.npy"),
              "--qvel0", os.path.join(gen_dir, name + "_qvel.npy")]
    _, dbl = run_rollout(path, out_dir + "_d", *common, fields=fields)
    _, flt = run_rollout(path, out_dir + "_f", *common, "--precision", "float", fields=fields)
    return name, ref, dbl, flt


def test_real_kinematics_double(real_case):
    name, ref, dbl, _ = real_case
    for f in KIN:
        assert dbl[f].shape == (NSTATE, 1, ref[f].shape[1]) and dbl[f].dtype == np.float64, f
        err = kin_error(f, dbl[f][:, 0], ref[f])
        print(f"{name} {f}: max abs err {err.max():.2e}")
        assert err.max() <= KIN_ATOL, (f, int(err.argmax()), err.max())


def test_real_dynamics_double(real_case):
    name, ref, dbl, _ = real_case
    for f in DYN:
        err = rel_error(dbl[f][:, 0], ref[f])
        print(f"{name} {f}: max rel err {err.max():.2e}")
        assert err.max() <= DYN_RTOL, (f, int(err.argmax()), err.max())


def test_real_float(real_case):
    name, ref, _, flt = real_case
    for f in KIN:
        assert flt[f].dtype == np.float32, f
        err = kin_error(f, flt[f][:, 0].astype(np.float64), ref[f])
        print(f"{name} float {f}: max abs err {err.max():.2e}")
        assert err.max() <= KIN_ATOL_F, (f, int(err.argmax()), err.max())
    for f in DYN:
        err = rel_error(flt[f][:, 0].astype(np.float64), ref[f])
        print(f"{name} float {f}: max rel err {err.max():.2e}")
        assert err.max() <= DYN_RTOL_F, (f, int(err.argmax()), err.max())


# ------------------------------------------------------------------------------ every field, our models

OUR_MODELS = ["chain", "free_bodies", "ball_chain", "branched_tree"]
ALL_FIELDS = ["qpos", "qvel", "qacc", "time", "xpos", "xquat", "xmat", "xipos", "geom_xpos", "geom_xmat",
              "site_xpos", "site_xmat", "subtree_com", "cinert", "cdof", "cvel", "qfrc_bias", "qfrc_passive",
              "qfrc_spring", "qfrc_damper", "qacc_smooth", "qfrc_smooth", "qM"]
POS_FIELDS = {"xpos", "xquat", "xmat", "xipos", "geom_xpos", "geom_xmat", "site_xpos", "site_xmat", "subtree_com",
              "qpos", "qvel", "time"}


@pytest.mark.parametrize("name", OUR_MODELS)
def test_our_models_every_field(name, tmp_path):
    """All fields of the CLI spec at random states of our models (no constraints, so qacc too)."""
    path = our_model(name)
    m = mujoco.MjModel.from_xml_path(path)
    qpos, qvel = random_states(m, 8, np.random.default_rng(7), qvel_scale=2.0)
    np.save(tmp_path / "q.npy", qpos)
    np.save(tmp_path / "v.npy", qvel)
    _, ours = run_rollout(path, tmp_path / "out", "--steps", 0, "--nworld", 8, "--qpos0", tmp_path / "q.npy",
                          "--qvel0", tmp_path / "v.npy", fields=ALL_FIELDS)
    ref = mujoco_forward(m, qpos, qvel, ALL_FIELDS)
    for f in ALL_FIELDS:
        assert ours[f].shape == (8, 1, ref[f].shape[1]), (f, ours[f].shape, ref[f].shape)
        o = ours[f][:, 0]
        err = kin_error(f, o, ref[f]) if f in POS_FIELDS else rel_error(o, ref[f])
        tol = KIN_ATOL if f in POS_FIELDS else DYN_RTOL
        assert err.max() <= tol, (f, int(err.argmax()), err.max())


# ------------------------------------------------------------------------------ (b) trajectories

NSTEP = 1000
KEYFRAME = {"chain": "swing", "free_bodies": "spin", "ball_chain": "twist", "branched_tree": "tumble"}
CONFIGS = {  # id -> (integrator, eulerdamp, timestep)
    "euler-damp-2ms": ("Euler", True, 0.002),
    "euler-nodamp-2ms": ("Euler", False, 0.002),
    "rk4-2ms": ("RK4", True, 0.002),
    "euler-damp-1ms": ("Euler", True, 0.001),
    "euler-nodamp-1ms": ("Euler", False, 0.001),
    "rk4-1ms": ("RK4", True, 0.001),
}


def mujoco_trajectory(m, key, nstep):
    d = mujoco.MjData(m)
    mujoco.mj_resetDataKeyframe(m, d, key)
    qpos, qvel = [], []
    for _ in range(nstep + 1):
        mujoco.mj_forward(m, d)
        qpos.append(d.qpos.copy())
        qvel.append(d.qvel.copy())
        mujoco.mj_step(m, d)
    return np.array(qpos), np.array(qvel)


def _configure(m, integrator, eulerdamp, dt):
    m.opt.timestep = dt
    m.opt.integrator = {"Euler": mujoco.mjtIntegrator.mjINT_EULER, "RK4": mujoco.mjtIntegrator.mjINT_RK4}[integrator]
    if not eulerdamp:
        m.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_EULERDAMP


def _traj_err(ours, ref):
    """Per step: max abs error / max(1, max |ref| over the trajectory)."""
    return np.abs(ours - ref).max(-1) / max(1.0, np.abs(ref).max())


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("name", OUR_MODELS)
def test_trajectory(name, config, tmp_path):
    integrator, eulerdamp, dt = CONFIGS[config]
    path = our_model(name)
    m = mujoco.MjModel.from_xml_path(path)
    _configure(m, integrator, eulerdamp, dt)
    key = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_KEY, KEYFRAME[name])
    rq, rv = mujoco_trajectory(m, key, NSTEP)

    args = ["--steps", NSTEP, "--keyframe", KEYFRAME[name], "--option", f"timestep={dt}",
            "--option", f"integrator={integrator}"]
    if not eulerdamp:
        args += ["--option", "flag.eulerdamp=disable"]
    _, dbl = run_rollout(path, tmp_path / "d", *args, fields=["qpos", "qvel"])
    _, flt = run_rollout(path, tmp_path / "f", *args, "--precision", "float", fields=["qpos", "qvel"])
    for f, ref in (("qpos", rq), ("qvel", rv)):
        assert dbl[f].shape == (1, NSTEP + 1, ref.shape[1])
        e = _traj_err(dbl[f][0], ref)
        ef = _traj_err(flt[f][0].astype(np.float64), ref)
        print(f"{name} {config} {f}: double err @100 {e[100]:.1e} @1000 {e[-1]:.1e} max {e.max():.1e}; "
              f"float max {ef.max():.1e}")
        assert e.max() <= TRAJ_RTOL, (f, int(e.argmax()), e.max())
        assert ef.max() <= TRAJ_RTOL_F[name], (f, int(ef.argmax()), ef.max())


# ------------------------------------------------------------------------------ (c) backends


@pytest.mark.parametrize("precision", ["double", "float"])
def test_serial_omp_bit_identical(precision, tmp_path):
    path = our_model("branched_tree")
    m = mujoco.MjModel.from_xml_path(path)
    qpos, qvel = random_states(m, 6, np.random.default_rng(3))
    np.save(tmp_path / "q.npy", qpos)
    np.save(tmp_path / "v.npy", qvel)
    args = ["--steps", 200, "--nworld", 6, "--qpos0", tmp_path / "q.npy", "--qvel0", tmp_path / "v.npy",
            "--precision", precision]
    fields = ["qpos", "qvel", "qacc", "xpos", "xquat", "cvel", "qM", "qfrc_bias", "qfrc_passive", "time"]
    _, ser = run_rollout(path, tmp_path / "s", *args, "--backend", "serial", fields=fields)
    _, omp = run_rollout(path, tmp_path / "o", *args, "--backend", "omp", fields=fields,
                         env={"OMP_NUM_THREADS": "2"})
    for f in fields:
        assert ser[f].dtype == omp[f].dtype and np.array_equal(ser[f], omp[f]), f


# ------------------------------------------------------------------------------ (d) CLI behaviour


def test_keyframe_sets_state_and_time(tmp_path):
    path = our_model("free_bodies")
    m = mujoco.MjModel.from_xml_path(path)
    _, out = run_rollout(path, tmp_path / "o", "--steps", 3, "--keyframe", "spin", fields=["qpos", "qvel", "time"])
    np.testing.assert_array_equal(out["qpos"][0, 0], m.key_qpos[0])
    np.testing.assert_array_equal(out["qvel"][0, 0], m.key_qvel[0])
    np.testing.assert_allclose(out["time"][0, :, 0], 0.5 + m.opt.timestep * np.arange(4), rtol=0, atol=1e-15)
    p, _ = run_rollout(path, tmp_path / "x", "--steps", 0, "--keyframe", "nope", fields=["qpos"], check=False)
    assert p.returncode == 1 and "nope" in p.stderr


def test_steps_zero_writes_one_row(tmp_path):
    _, out = run_rollout(our_model("chain"), tmp_path / "o", "--steps", 0, "--nworld", 2, fields=["qpos", "time"])
    assert out["qpos"].shape == (2, 1, 6) and out["time"].shape == (2, 1, 1)


def test_options_match_mujoco(tmp_path):
    """timestep, integrator, flag.eulerdamp and gravity given as --option match the same settings
    made on MuJoCo's model."""
    path = our_model("chain")
    m = mujoco.MjModel.from_xml_path(path)
    _configure(m, "Euler", False, 0.001)
    m.opt.gravity[:] = [0.0, 1.5, -3.0]
    rq, rv = mujoco_trajectory(m, 0, 50)
    _, out = run_rollout(path, tmp_path / "o", "--steps", 50, "--keyframe", "swing", "--option", "timestep=0.001",
                         "--option", "integrator=Euler", "--option", "flag.eulerdamp=disable",
                         "--option", "gravity=0 1.5 -3", fields=["qpos", "qvel", "time"])
    assert _traj_err(out["qpos"][0], rq).max() <= TRAJ_RTOL
    assert _traj_err(out["qvel"][0], rv).max() <= TRAJ_RTOL
    np.testing.assert_allclose(out["time"][0, :, 0], 0.001 * np.arange(51), rtol=0, atol=1e-15)
    # RK4 by option on a model whose XML says Euler
    m2 = mujoco.MjModel.from_xml_path(path)
    _configure(m2, "RK4", True, 0.002)
    rq2, _ = mujoco_trajectory(m2, 0, 50)
    _, out2 = run_rollout(path, tmp_path / "o2", "--steps", 50, "--keyframe", "swing", "--option", "integrator=RK4",
                          fields=["qpos"])
    assert _traj_err(out2["qpos"][0], rq2).max() <= TRAJ_RTOL
    # and the option really changed something (RK4 differs from Euler after 50 steps)
    m3 = mujoco.MjModel.from_xml_path(path)
    rq3, _ = mujoco_trajectory(m3, 0, 50)
    assert np.abs(rq3[-1] - rq2[-1]).max() > 1e-6


def test_qvel0_broadcast(tmp_path):
    """--qvel0 of shape (nv,) goes to every world; --qpos0 of shape (W, nq) gives each its own."""
    path = our_model("ball_chain")
    m = mujoco.MjModel.from_xml_path(path)
    qpos, _ = random_states(m, 3, np.random.default_rng(11))
    qvel = np.random.default_rng(12).normal(size=m.nv)
    np.save(tmp_path / "q.npy", qpos)
    np.save(tmp_path / "v.npy", qvel)
    _, out = run_rollout(path, tmp_path / "o", "--steps", 0, "--nworld", 3, "--qpos0", tmp_path / "q.npy",
                         "--qvel0", tmp_path / "v.npy", fields=["qpos", "qvel", "qacc"])
    np.testing.assert_array_equal(out["qpos"][:, 0], qpos)
    for w in range(3):
        np.testing.assert_array_equal(out["qvel"][w, 0], qvel)
    ref = mujoco_forward(m, qpos, np.tile(qvel, (3, 1)), ["qacc"])
    assert rel_error(out["qacc"][:, 0], ref["qacc"]).max() <= DYN_RTOL
    # and the other way round: (nq,) qpos broadcast, (W, nv) qvel
    np.save(tmp_path / "q1.npy", qpos[1])
    np.save(tmp_path / "v3.npy", np.tile(qvel, (3, 1)) * np.arange(1, 4)[:, None])
    _, out = run_rollout(path, tmp_path / "o2", "--steps", 0, "--nworld", 3, "--qpos0", tmp_path / "q1.npy",
                         "--qvel0", tmp_path / "v3.npy", fields=["qpos", "qvel"])
    for w in range(3):
        np.testing.assert_array_equal(out["qpos"][w, 0], qpos[1])
        np.testing.assert_array_equal(out["qvel"][w, 0], qvel * (w + 1))
    # a wrong shape is an error, not a silent reshape
    np.save(tmp_path / "bad.npy", np.zeros(m.nv + 1))
    p, _ = run_rollout(path, tmp_path / "o3", "--steps", 0, "--nworld", 3, "--qvel0", tmp_path / "bad.npy",
                       fields=["qvel"], check=False)
    assert p.returncode == 1 and "qvel0" in p.stderr


# ------------------------------------------------------------------------------ (e) errors


def _assert_clean_failure(p, *needles):
    """Non-zero exit from the program itself (not a signal: no crash), message naming `needles`."""
    assert 0 < p.returncode < 128, (p.returncode, p.stderr)
    for n in needles:
        assert n in p.stderr, (n, p.stderr)


def test_error_missing_model(tmp_path):
    missing = str(tmp_path / "no_such_model.xml")
    p, _ = run_rollout(missing, tmp_path / "o", "--steps", 0, fields=["qpos"], check=False)
    _assert_clean_failure(p, "no_such_model.xml")


def test_error_malformed_xml(tmp_path):
    bad = tmp_path / "broken.xml"
    bad.write_text('<mujoco model="broken">\n  <worldbody>\n    <body name="a">\n'
                   '      <geom type="sphere" size="0.1"\n    </body>\n  </worldbody>\n</mujoco>\n')
    p, _ = run_rollout(bad, tmp_path / "o", "--steps", 0, fields=["qpos"], check=False)
    _assert_clean_failure(p, "broken.xml")
    # the parser may place the error on the line of the unterminated tag (4) or where it notices (5)
    assert any(f":{n}" in p.stderr or f"line {n}" in p.stderr for n in (4, 5)), p.stderr


def test_error_unknown_field(tmp_path):
    p, _ = run_rollout(our_model("chain"), tmp_path / "o", "--steps", 0, fields=["qpos", "not_a_field"],
                       check=False)
    _assert_clean_failure(p, "not_a_field")
    assert not os.path.exists(tmp_path / "o" / "qpos.npy")  # rejected before any output


def test_error_unknown_option(tmp_path):
    p, _ = run_rollout(our_model("chain"), tmp_path / "o", "--steps", 0, "--option", "warpdrive=9", fields=["qpos"],
                       check=False)
    _assert_clean_failure(p, "warpdrive")
    p, _ = run_rollout(our_model("chain"), tmp_path / "o", "--steps", 0, "--option", "timestep=-1", fields=["qpos"],
                       check=False)
    _assert_clean_failure(p, "timestep")


# ------------------------------------------------------------------------------ copied frames

DM_DOG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".models", "dm_control-1.0.36",
                      "suite", "dog.xml")


def test_sameframe_kinematics_dog(tmp_path):
    """DeepMind Control's dog has geoms and sites whose frames lie within MuJoCo's 1e-6 of their
    body's (inertial) frame without being equal: MuJoCo copies that frame (mjtSameFrame), and so
    does Sinew, so the kinematics agree exactly (composing them instead was 2.9e-6 off in geom_xmat
    and 2.9e-7 m in geom_xpos). 16 random states, KIN_ATOL."""
    if not os.path.exists(DM_DOG):
        pytest.skip("DeepMind Control's suite models are missing (run tests/setup.sh)")
    m = mujoco.MjModel.from_xml_path(DM_DOG)
    assert (m.geom_sameframe == mujoco.mjtSameFrame.mjSAMEFRAME_INERTIA).sum() > 0
    rng = np.random.default_rng(7)
    qpos, qvel = random_states(m, 16, rng)
    ref = mujoco_forward(m, qpos, qvel, KIN)
    np.save(tmp_path / "q.npy", qpos)
    np.save(tmp_path / "v.npy", qvel)
    _, dbl = run_rollout(DM_DOG, tmp_path / "out", "--steps", 0, "--nworld", 16, "--qpos0", tmp_path / "q.npy",
                         "--qvel0", tmp_path / "v.npy", fields=KIN)
    for f in KIN:
        err = kin_error(f, dbl[f][:, 0], ref[f])
        print(f"dog {f}: max abs err {err.max():.2e}")
        assert err.max() <= KIN_ATOL, (f, int(err.argmax()), err.max())
