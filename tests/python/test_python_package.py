"""The `sinew` Python package (python/, installed by tests/setup.sh with `pip install ./python`).

- a Batch step equals sinew-rollout's for the same inputs, bit for bit in double (the arm: muscles;
  skeleton.xml: free root, contacts), and to float rounding in float32;
- Data fields are numpy views of the engine's memory (no copy), writes through them take effect;
- the model's arrays equal mujoco's (the same oracle as the compiler tests), options are settable;
- load errors are sinew.ModelError with file and line, load warnings SinewWarning, bad nworld,
  precision and device are ValueErrors;
- the GIL is released while stepping;
- the motion pipeline (reference, resample_trajectory, retarget) gives what the C++ tools give.
The package is required: its absence is a failure, not a skip.
"""
import os
import threading
import time
import warnings

import numpy as np
import pytest

import sinew
from oracle_util import ROLLOUT, our_model, run_rollout

mujoco = pytest.importorskip("mujoco")
# load warnings are tested on their own (test_errors_and_warnings)
pytestmark = pytest.mark.filterwarnings("ignore::sinew.SinewWarning")


def rollout_inputs(m, nworld, nstep, seed):
    rng = np.random.default_rng(seed)
    lo, hi = m.actuator_ctrlrange[:, 0], m.actuator_ctrlrange[:, 1]
    return rng.uniform(lo, hi, size=(nworld, nstep, m.nu))


@pytest.mark.skipif(not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary")
@pytest.mark.parametrize("name", ["arm", "skeleton"])
def test_batch_step_equals_sinew_rollout_bitwise_in_double(tmp_path, name):
    xml = our_model(name)
    m = sinew.Model.from_xml_path(xml)
    nworld, nstep = 3, 40
    ctrl = rollout_inputs(m, nworld, nstep, 1) if m.nu else None
    args = ["--steps", nstep, "--nworld", nworld, "--backend", "serial", "--precision", "double"]
    if ctrl is not None:
        np.save(tmp_path / "ctrl.npy", ctrl)
        args += ["--ctrl", tmp_path / "ctrl.npy"]
    fields = ["qpos", "qvel", "act"] if m.na else ["qpos", "qvel"]
    _, ref = run_rollout(xml, tmp_path / "out", *args, fields=fields)
    b = sinew.Batch(m, nworld, threads=2)
    for t in range(nstep + 1):
        for f in fields:
            assert np.array_equal(getattr(b, f), ref[f][:, t]), f"{name}: {f} differs at step {t}"
        if t < nstep:
            if ctrl is not None:
                b.ctrl[:] = ctrl[:, t]
            b.step()
    # float32: the same functors in float; rounding (6e-8 per operation) over 40 steps
    b32 = sinew.Batch(m, nworld, precision="float32")
    for t in range(nstep):
        if ctrl is not None:
            b32.ctrl[:] = ctrl[:, t]
        b32.step()
    assert b32.qpos.dtype == np.float32
    scale = max(1.0, np.abs(ref["qpos"][:, -1]).max())
    assert np.abs(b32.qpos - ref["qpos"][:, -1]).max() <= 1e-3 * scale


def test_fields_are_views_of_the_engine_memory():
    m = sinew.Model.from_xml_path(our_model("arm"))
    b = sinew.Batch(m, 5)
    q = b.qpos
    ptr = q.__array_interface__["data"][0]
    assert b.qpos.__array_interface__["data"][0] == ptr     # the same memory every time
    assert q.shape == (5, m.nq) and q.flags.c_contiguous and q.flags.writeable
    assert b.time.shape == (5,) and b.status.dtype == np.int32
    b.ctrl[:] = 1.0
    b.step(20)
    assert np.all(q != 0) and np.shares_memory(q, b.qpos)   # the step wrote into the old view
    # writes through a view take effect: a velocity changes the bias force after forward
    b.forward()
    before = b.qfrc_bias.copy()
    b.qvel[2] = 3.0
    b.forward()
    assert not np.array_equal(before[2], b.qfrc_bias[2]) and np.array_equal(before[0], b.qfrc_bias[0])
    # assignment copies into the engine's array; unknown names are errors
    b.act = 0.25
    assert np.all(b.act == 0.25) and b.act.__array_interface__["data"][0] != 0
    with pytest.raises(AttributeError):
        b.not_a_field
    with pytest.raises(AttributeError):
        b.not_a_field = 1
    # reset: by mask, to a keyframe by name
    b.reset(mask=[True, False, False, False, False])
    assert b.time[0] == 0 and b.time[1] > 0 and np.array_equal(b.qpos[0], m.qpos0)
    sk = sinew.Model.from_xml_path(our_model("skeleton"))
    if sk.nkey:
        bs = sinew.Batch(sk, 2)
        bs.reset(keyframe=sk.key_names[0])
        assert np.allclose(bs.qpos, sk.key_qpos[0])
        with pytest.raises(ValueError, match="no keyframe named"):
            bs.reset(keyframe="nope")


def test_model_arrays_equal_mujoco_and_options_take_effect():
    xml = our_model("arm")
    m, mj = sinew.Model.from_xml_path(xml), mujoco.MjModel.from_xml_path(xml)
    assert (m.nq, m.nv, m.nu, m.na, m.nbody, m.njnt) == (mj.nq, mj.nv, mj.nu, mj.na, mj.nbody, mj.njnt)
    # double: the compiler's arithmetic follows MuJoCo's; rounding only
    for f in ["body_mass", "body_inertia", "body_pos", "jnt_range", "dof_damping", "actuator_gainprm",
              "actuator_ctrlrange", "tendon_lengthspring", "qpos0"]:
        a, r = getattr(m, f), getattr(mj, f)
        assert a.shape == r.shape or a.size == r.size, f
        np.testing.assert_allclose(a.reshape(r.shape), r, rtol=1e-12, atol=1e-12, err_msg=f)
    assert not m.body_mass.flags.writeable
    assert m.body_names == [mujoco.mj_id2name(mj, mujoco.mjtObj.mjOBJ_BODY, i) or "" for i in range(mj.nbody)]
    m.opt.timestep = 0.001
    b = sinew.Batch(m, 2)
    b.step(10)
    np.testing.assert_allclose(b.time, 0.01, rtol=1e-12)
    m.opt.gravity = [0, 0, 0]
    assert m.opt.gravity == [0, 0, 0]
    with pytest.raises(ValueError):
        m.opt.gravity = [0, 0]


def test_errors_and_warnings(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<mujoco>\n<worldbody>\n<body>\n<joint type='bogus'/>\n</body></worldbody></mujoco>\n")
    with pytest.raises(sinew.ModelError, match=r"bad\.xml:4: <joint>: error: .*bogus"):
        sinew.Model.from_xml_path(bad)
    assert issubclass(sinew.ModelError, ValueError)
    with pytest.raises(sinew.ModelError, match="missing.xml"):
        sinew.Model.from_xml_path(tmp_path / "missing.xml")
    with pytest.warns(sinew.SinewWarning, match="accepted but has no effect"):
        sinew.Model.from_xml_string("<mujoco><option sleep_tolerance='1e-3'/><worldbody><body><joint/>"
                                    "<geom size='0.1'/></body></worldbody></mujoco>")
    m = sinew.Model.from_xml_path(our_model("arm"))
    for kw, msg in [(dict(nworld=0), "nworld must be a positive integer"), (dict(nworld=-3), "nworld"),
                    (dict(nworld=2.5), "nworld"), (dict(nworld=2, precision="float16"), "precision"),
                    (dict(nworld=2, device="tpu"), "device must be"), (dict(nworld=2, device="cuda"), "device='cuda'"),
                    (dict(nworld=2, threads=-1), "threads")]:
        with pytest.raises(ValueError, match=msg):
            sinew.Batch(m, **kw)
    with pytest.raises(TypeError):
        sinew.Batch("arm.xml", 2)


def test_the_gil_is_released_while_stepping():
    m = sinew.Model.from_xml_path(our_model("skeleton"))
    b = sinew.Batch(m, 64, threads=1)
    t0 = time.perf_counter()
    b.step(50)
    one = time.perf_counter() - t0
    n = max(50, int(50 * 0.3 / max(one, 1e-6)))   # a step call of about 0.3 s
    done = threading.Event()
    ticks = 0

    def worker():
        b.step(n)
        done.set()

    th = threading.Thread(target=worker)
    th.start()
    while not done.is_set():   # Python code runs beside the step only if the GIL is free
        ticks += 1
    th.join()
    assert ticks > 1000


def test_trajectory_round_trip(tmp_path):
    q = np.random.default_rng(0).normal(size=(7, 3))
    sinew.save_trajectory(tmp_path / "t.npz", q, np.zeros((7, 3)), 50, ["a", "b", "c"], split_points=[0, 3, 7])
    t = sinew.load_trajectory(tmp_path / "t.npz")
    assert np.array_equal(t["qpos"], q) and float(t["frequency"]) == 50 and list(t["joint_names"]) == ["a", "b", "c"]
    assert list(t["split_points"]) == [0, 3, 7]
    with pytest.raises(ValueError, match="must be"):
        sinew.save_trajectory(tmp_path / "u.npz", q, np.zeros((6, 3)), 50, ["a", "b", "c"])


def test_reference_and_resampling_are_the_trainers():
    m = sinew.Model.from_xml_path(our_model("arm"))
    reach = os.path.join(os.path.dirname(our_model("arm")), "arm_reach.npz")
    ref = sinew.reference(m, reach, preset="arm")
    assert ref["frequency"] == pytest.approx(1 / (m.opt.timestep * 5))
    t = sinew.load_trajectory(reach)
    r = sinew.resample_trajectory(t, ref["frequency"])
    assert np.array_equal(r["qpos"], ref["qpos"]) and np.array_equal(r["qvel"], ref["qvel"])
    # first and last frames land on the source's; kinematics are the model's at each frame
    assert np.allclose(r["qpos"][0], t["qpos"][0]) and np.allclose(r["qpos"][-1], t["qpos"][-1])
    mm = mujoco.MjModel.from_xml_path(our_model("arm"))
    d = mujoco.MjData(mm)
    d.qpos[:], d.qvel[:] = ref["qpos"][57], ref["qvel"][57]
    mujoco.mj_forward(mm, d)
    assert np.abs(ref["site_xpos"][57] - d.site_xpos).max() <= 1e-12
    with pytest.raises(ValueError, match="split_points"):
        sinew.resample_trajectory(dict(t, split_points=np.array([0, 5])), 100.0)
    with pytest.raises(ValueError, match="jnt_type"):
        sinew.resample_trajectory(dict(t, jnt_type=np.array([0, 3, 3])), 100.0)


def test_retarget_from_python_equals_the_cli_result():
    """tests/retarget/data/arm_reach.bvh is models/arm_reach.npz written as a BVH (bones 1.2x,
    shifted, turned): retargeting recovers the motion (the sinew_retarget_cli test's bound, 1e-6 m)."""
    root = os.path.dirname(os.path.dirname(our_model("arm")))
    bvh, mp = f"{root}/tests/retarget/data/arm_reach.bvh", f"{root}/tests/retarget/data/arm_map.txt"
    m = sinew.Model.from_xml_path(our_model("arm"))
    traj, met = sinew.retarget(m, bvh, mp)
    assert met["position_rmse"] < 1e-6 and met["nframe"] == 61 and "keypoint position RMSE" in met["report"]
    truth = sinew.load_trajectory(f"{root}/models/arm_reach.npz")
    assert np.abs(traj["qpos"] - truth["qpos"]).max() < 1e-6
    assert traj["site_xpos"].shape == (61, m.nsite, 3)
    # the same from arrays and map text, resampled
    src = sinew.load_bvh(bvh)
    assert src["pos"].shape == (61, len(src["names"]), 3) and src["fps"] == pytest.approx(30)
    traj2, _ = sinew.retarget(m, src, open(mp).read(), frequency=100)
    assert traj2["frequency"] == 100 and len(traj2["qpos"]) in (200, 201)  # the BVH frame time has 7 digits
    with pytest.raises(sinew.ModelError, match="<string>:2"):
        sinew.retarget(m, src, "thorax thorax\nhumerus\n")
    with pytest.raises(ValueError, match="parent"):
        sinew.retarget(m, dict(src, parents=[3] * len(src["names"])), mp)
    with pytest.raises(ValueError, match="finite"):
        bad = src["pos"].copy()
        bad[3, 1, 0] = np.nan
        sinew.retarget(m, dict(src, pos=bad), mp)


def arm_env(num_envs=8, seed=0, **kw):
    m = sinew.Model.from_xml_path(our_model("arm"))
    return sinew.ImitationEnv(m, os.path.join(os.path.dirname(our_model("arm")), "arm_reach.npz"), num_envs,
                              preset="arm", seed=seed, **kw)


def test_imitation_env_follows_gymnasium_vector_api():
    import gymnasium as gym
    env = arm_env(8, nfuture=2, w_site_pos=1.5)
    assert isinstance(env, gym.vector.VectorEnv) and env.num_envs == 8
    assert env.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
    assert env.single_action_space == gym.spaces.Box(-1, 1, (6,), np.float32)
    assert env.action_space.shape == (8, 6) and env.observation_space.shape == (8, env.single_observation_space.shape[0])
    assert env.config["w_site_pos"] == 1.5 and env.config["nfuture"] == 2
    obs, info = env.reset(seed=0)
    assert obs.dtype == np.float32 and obs.shape == env.observation_space.shape and env.observation_space.contains(obs)
    a = env.action_space.sample()
    obs, rew, term, trunc, info = env.step(a)
    assert rew.shape == (8,) and rew.dtype == np.float32 and term.dtype == bool and trunc.dtype == bool
    assert info["reward_terms"].shape == (8, len(env.reward_term_names)) and np.all(np.isfinite(rew))
    with pytest.raises(ValueError, match="actions must have shape"):
        env.step(np.zeros((7, 6), np.float32))


def test_imitation_env_seeding_and_same_step_autoreset():
    rng = np.random.default_rng(0)
    acts = [rng.uniform(-1, 1, (8, 6)).astype(np.float32) for _ in range(120)]

    def run(seed):
        env = arm_env(8, seed=99)
        obs0, _ = env.reset(seed=seed)
        out, finals = [obs0], []
        for a in acts:
            obs, rew, term, trunc, info = env.step(a)
            out.append(obs)
            done = term | trunc
            if done.any():
                assert np.array_equal(info["_final_obs"], done)
                # same step: the returned observation is the new episode's, the finished one's is kept
                assert not np.array_equal(info["final_obs"][done], obs[done])
                finals.append(info["final_obs"][done])
        return np.array(out), finals

    a1, f1 = run(5)
    a2, f2 = run(5)
    b, _ = run(6)
    assert np.array_equal(a1, a2) and len(f1) == len(f2) and all(np.array_equal(x, y) for x, y in zip(f1, f2))
    assert not np.array_equal(a1[0], b[0])       # another seed: other start clips/frames
    assert len(f1) > 0                            # random actions end episodes in 120 steps (site deviation)


def test_imitation_env_bad_input():
    env = arm_env(4)
    env.reset(seed=0)
    obs, rew, term, trunc, info = env.step(np.full((4, 6), np.nan, np.float32))
    assert np.all(np.isfinite(obs)) and np.all(np.isfinite(rew))   # NaN actions count as zero excitation
    with pytest.raises(ValueError, match="unknown hyper-parameter 'w_sitepos'"):
        arm_env(4, w_sitepos=1)
    with pytest.raises(ValueError, match="num_envs"):
        arm_env(0)
    # a motion of another model: the error names the file
    reach = os.path.join(os.path.dirname(our_model("arm")), "arm_reach.npz")
    with pytest.raises(ValueError, match="arm_reach.npz: motion has nq"):
        sinew.ImitationEnv(sinew.Model.from_xml_path(our_model("skeleton")), reach, 2, mimic_sites="")
    with pytest.raises(ValueError, match="mimic site .clavicle. is not a site"):
        sinew.ImitationEnv(sinew.Model.from_xml_path(our_model("skeleton")), reach, 2)


@pytest.mark.skipif(not os.environ.get("SINEW_TRAIN"), reason="SINEW_TRAIN is not set")
def test_policy_equals_the_trainers_actions(tmp_path):
    import subprocess
    reach = os.path.join(os.path.dirname(our_model("arm")), "arm_reach.npz")
    out = tmp_path / "run"
    r = subprocess.run([os.environ["SINEW_TRAIN"], "--model", our_model("arm"), "--motion", reach, "--out", str(out),
                        "--nworld", "16", "--steps", "1024", "--quiet", "--set", "nsteps=16", "--set", "minibatches=2",
                        "--set", "actor_hidden=32,24", "--set", "critic_hidden=16"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    policy = sinew.Policy.load(out / "final.npz")
    env = arm_env(8, seed=1)
    obs, _ = env.reset(seed=1)
    for _ in range(30):   # observations along a real episode, with the policy's own actions
        obs, *_ = env.step(policy(obs).astype(np.float32))
    m = sinew.Model.from_xml_path(our_model("arm"))
    want = sinew._sinew._trainer_actions(m, [reach], str(out / "final.npz"), np.ascontiguousarray(obs))
    got = policy(obs)
    assert got.shape == want.shape == (8, 6)
    # float32 (trainer) against float64 (numpy): rounding through 3 layers and LayerNorm
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-5)
    sampled = policy(obs, deterministic=False, rng=np.random.default_rng(0))
    assert sampled.shape == got.shape and not np.allclose(sampled, got)
    assert policy(obs[0]).shape == (6,)
    with pytest.raises(ValueError, match="observations have"):
        policy(obs[:, :10])
    with pytest.raises(ValueError, match="not a Sinew checkpoint"):
        np.savez(tmp_path / "x.npz", a=np.zeros(3))
        sinew.Policy.load(tmp_path / "x.npz")


def test_divergence_is_flagged_where_mujoco_warns():
    """A world driven past mjMAXVAL (1e10) gets MuJoCo's warning as a status bit: BADQACC in the
    step where MuJoCo warns mjWARN_BADQACC (MuJoCo then resets before integrating), BADQPOS after
    the step whose new state MuJoCo flags mjWARN_BADQPOS at the start of the next step. The other
    world of the batch is untouched (bit-identical to a batch without the diverging world)."""
    free = """<mujoco><option gravity="0 0 0"/><worldbody><body><freejoint/>
              <geom type="sphere" size="0.1" mass="1" contype="0" conaffinity="0"/></body></worldbody></mujoco>"""
    cases = [(our_model("chain"), 1e7, mujoco.mjtWarning.mjWARN_BADQACC, sinew.STATUS_BADQACC, 0),
             (free, 1e9, mujoco.mjtWarning.mjWARN_BADQPOS, sinew.STATUS_BADQPOS, 1)]
    for src, force, warn, bit, lag in cases:
        is_file = src.endswith(".xml")
        m = mujoco.MjModel.from_xml_path(src) if is_file else mujoco.MjModel.from_xml_string(src)
        d = mujoco.MjData(m)
        mj_step = None
        for s in range(1, 20000):
            d.qfrc_applied[0] = force
            mujoco.mj_step(m, d)
            if d.warning[warn].number:
                mj_step = s
                break
        assert mj_step is not None
        sm = sinew.Model.from_xml_path(src) if is_file else sinew.Model.from_xml_string(src)
        b, ref = sinew.Batch(sm, 2), sinew.Batch(sm, 1)
        flagged = None
        for s in range(1, 20000):
            b.qfrc_applied[1, 0] = force
            b.step()
            ref.step()
            if b.status[1]:
                flagged = s
                break
        assert flagged == mj_step - lag and b.status[1] == bit, (flagged, mj_step, b.status[1])
        assert b.status[0] == 0 and np.array_equal(b.qpos[0], ref.qpos[0]) and np.array_equal(b.qvel[0], ref.qvel[0])


def test_a_batch_that_cannot_fit_is_refused_with_its_size():
    m = sinew.Model.from_xml_path(our_model("arm"))
    with pytest.raises(ValueError, match=r"Data: 2000000000 worlds need [0-9.e+]+ GiB \(.* MiB per world\)"):
        sinew.Batch(m, 2_000_000_000)


@pytest.mark.parametrize("xml,phrase", [
    ('<body><joint/><inertial pos="0 0 0" mass="-1" diaginertia="1 1 1"/></body>', "mass and inertia of moving bodies must be larger than mjMINVAL"),
    ('<body><joint/></body>', "mass and inertia of moving bodies must be larger than mjMINVAL"),
    ('<body><freejoint/><body><body/></body></body>', "mass and inertia of moving bodies must be larger than mjMINVAL"),
    ('<body name="a"><geom size="1"/></body><body name="a"><geom size="1"/></body>', "repeated name 'a' in body"),
    ('<body><joint name="j"/><joint name="j"/><geom size="1"/></body>', "repeated name 'j' in joint"),
    ('<body><geom name="g" size="1"/><geom name="g" size="1"/></body>', "repeated name 'g' in geom"),
    ('<body><geom size="1"/><site name="s"/><site name="s"/></body>', "repeated name 's' in site"),
    ('<body><joint name="j1"/><joint name="j2"/><geom size="1"/></body></worldbody><tendon><fixed name="t"><joint joint="j1" coef="1"/>'
     '</fixed><fixed name="t"><joint joint="j2" coef="1"/></fixed></tendon><worldbody>', "repeated name 't' in tendon"),
    ('<body><joint name="j1"/><geom size="1"/></body></worldbody><actuator><motor name="a" joint="j1"/><motor name="a" joint="j1"/>'
     '</actuator><worldbody>', "repeated name 'a' in actuator"),
    ('<body><joint name="j1"/><joint name="j2"/><geom size="1"/></body></worldbody><equality><joint name="e" joint1="j1" joint2="j2"/>'
     '<joint name="e" joint1="j2"/></equality><worldbody>', "repeated name 'e' in equality"),
    ('<body><joint name="j1"/><geom size="1"/></body></worldbody><sensor><jointpos name="x" joint="j1"/><jointpos name="x" joint="j1"/>'
     '</sensor><worldbody>', "repeated name 'x' in sensor"),
    ('<body name="b"><geom name="g1" size="1"/></body><body name="c"><geom name="g2" size="1" pos="0 3 0"/></body></worldbody><contact>'
     '<pair name="p" geom1="g1" geom2="g2"/><pair name="p" geom1="g2" geom2="g1"/></contact><worldbody>', "repeated name 'p' in pair"),
    ('<body name="b"><geom size="1"/></body><body name="c"><geom size="1" pos="0 3 0"/></body></worldbody><contact>'
     '<exclude name="x" body1="b" body2="c"/><exclude name="x" body1="c" body2="b"/></contact><worldbody>', "repeated name 'x' in exclude"),
    ('<body><joint name="j1"/><geom size="1"/></body></worldbody><tendon><fixed name="a"><joint joint="j1" coef="1"/></fixed></tendon>'
     '<actuator><motor name="a" joint="j1"/></actuator><worldbody>', None),  # a tendon and an actuator may share a name
    ('<body><geom size="1" mass="0"/></body>', None),                       # static: allowed
    ('<body><freejoint/><body><geom size="1"/></body></body>', None),       # a static child carries the mass
    ('<body name="a"><geom name="a" size="1"/></body>', None),              # names are per object type
    # objects Sinew reads for their names only: the same checks
    ('<camera name="c"/><body><camera name="c"/><geom size="1"/></body>', "repeated name 'c' in camera"),
    ('<light name="l"/><light name="l"/>', "repeated name 'l' in light"),
    ('<camera name="c"/><light name="c"/>', None),
    ('</worldbody><asset><texture name="t" type="2d" builtin="checker" width="8" height="8"/>'
     '<texture name="t" type="2d" builtin="flat" width="8" height="8"/></asset><worldbody>', "repeated name 't' in texture"),
    ('</worldbody><asset><texture type="2d" builtin="checker" width="8" height="8"/></asset><worldbody>', "empty name in texture"),
    ('</worldbody><asset><texture type="skybox" builtin="gradient" width="8" height="8"/></asset><worldbody>', None),
    ('</worldbody><asset><material rgba="1 0 0 1"/></asset><worldbody>', "empty name in material"),
    ('</worldbody><asset><hfield nrow="2" ncol="2" size="1 1 1 1"/></asset><worldbody>', "empty name in height field"),
    ('</worldbody><custom><numeric name="n" data="1"/><numeric name="n" data="2"/></custom><worldbody>', "repeated name 'n' in numeric"),
    ('</worldbody><custom><text name="x" data="a"/><text name="x" data="b"/></custom><worldbody>', "repeated name 'x' in text"),
    ('</worldbody><custom><tuple name="u"/><tuple name="u"/></custom><worldbody>', "repeated name 'u' in tuple"),
])
def test_model_checks_reject_what_mujoco_rejects(xml, phrase):
    doc = f"<mujoco><worldbody>{xml}</worldbody></mujoco>"
    if phrase is None:
        mujoco.MjModel.from_xml_string(doc)
        sinew.Model.from_xml_string(doc)
        return
    with pytest.raises(ValueError, match=phrase):
        mujoco.MjModel.from_xml_string(doc)
    with pytest.raises(sinew.ModelError, match=r"<string>:1: <(body|joint|geom|site|fixed|motor|jointpos|pair|exclude|camera|light|texture|material|hfield|numeric|text|tuple)>: error: " + phrase):
        sinew.Model.from_xml_string(doc)
