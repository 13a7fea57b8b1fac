"""Default capacities that fit the model (include/sinew/compiler/equality.hpp,
compile_capacities): contacts disabled means no contact capacity; otherwise every contact the
candidate pairs can produce, unless their memory in one world's Data would exceed MuJoCo's arena
for the model (mjModel::narena, from <size memory/nstack/nconmax/njmax>); past it, as many
contacts as fit in narena. Overflow is counted per world, never written past the capacity.

Oracles: MuJoCo 3.4's narena for the same file (equal, byte for byte); MuJoCo's contact count and
trajectory on 2,000 hinged spheres (each body on the world, candidate pairs ~2 million: the worst
case would be 128 GB of dense constraint Jacobian per world).
"""
import os
import pathlib
import sys

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")
sinew = pytest.importorskip("sinew")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import models_util  # noqa: E402


def spheres_xml(n, cols=50, seed=0, size=""):
    """n pendulums on a grid 0.1 m apart, each a sphere (radius 0.045) 0.3 m below its own hinge
    (random horizontal axis) on the world: tilted 0.3 rad, a sphere reaches its neighbours."""
    rng = np.random.default_rng(seed)
    bodies = []
    for k in range(n):
        i, j = divmod(k, cols)
        a = rng.normal(size=2)
        a /= np.linalg.norm(a)
        bodies.append(f'<body name="b{k}" pos="{j * 0.1:.3f} {i * 0.1:.3f} 1">'
                      f'<joint name="j{k}" axis="{a[0]:.4f} {a[1]:.4f} 0" damping="0.01"/>'
                      f'<geom name="g{k}" type="sphere" size="0.045" pos="0 0 -0.3" mass="0.1"/></body>')
    return f'<mujoco model="hinged_spheres">{size}<worldbody>' + "".join(bodies) + "</worldbody></mujoco>"


SIZES = ["", '<size memory="3M"/>', '<size memory="8k"/>', '<size nconmax="400" njmax="2000"/>',
         '<size nstack="200000"/>', '<size nconmax="5"/>', '<size memory="-1"/>']


@pytest.mark.parametrize("size", SIZES)
def test_arena_size_matches_mujoco(size):
    xml = spheres_xml(60, cols=10, size=size)
    m, mm = sinew.Model.from_xml_string(xml), mujoco.MjModel.from_xml_string(xml)
    assert m.narena == mm.narena
    assert m.nconmax_pairs == 60 * 59 // 2  # one contact per sphere pair
    assert 0 < m.nconmax <= m.nconmax_pairs


def test_arena_size_matches_mujoco_on_real_models():
    for name in ("myofullbody", "bimanual"):
        p = models_util.musclemimic_path(name)
        m, mm = sinew.Model.from_xml_path(p), mujoco.MjModel.from_xml_path(p)
        assert m.narena == mm.narena, name
        # the real models keep the worst case: no contact can overflow
        assert m.nconmax == m.nconmax_pairs > 0, name


@pytest.mark.parametrize("text", ["1.5M", "-3", "12Q", "3MM", "99999999999999999999", "18446744073709551620",
                                  "20000000000000000000", "K", "1 2"])
def test_bad_memory_is_rejected_like_mujoco(text):
    xml = f'<mujoco><size memory="{text}"/><worldbody><geom size="1"/></worldbody></mujoco>'
    with pytest.raises(Exception):
        mujoco.MjModel.from_xml_string(xml)
    with pytest.raises(ValueError, match="memory"):
        sinew.Model.from_xml_string(xml)


@pytest.mark.parametrize("size", ['memory="1M" nstack="100"', 'memory="1M" njmax="100"'])
def test_memory_excludes_nstack_and_njmax_like_mujoco(size):
    xml = f'<mujoco><size {size}/><worldbody><geom size="1"/></worldbody></mujoco>'
    with pytest.raises(ValueError, match="can be specified, not both"):
        mujoco.MjModel.from_xml_string(xml)
    with pytest.raises(ValueError, match="either 'memory' and '(nstack|njmax)' attribute can be specified, not both"):
        sinew.Model.from_xml_string(xml)


def test_small_arena_caps_contacts_and_counts_overflow():
    """memory="8k": MuJoCo's arena is too small for the 1770 pairs' worst case; Sinew keeps the
    floor (<size nconmax>, else 100) and counts the rest per world; the other world is untouched."""
    assert sinew.Model.from_xml_string(spheres_xml(60, cols=10, size='<size memory="8k"/>')).nconmax == 100
    xml = spheres_xml(60, cols=10, size='<size memory="8k" nconmax="10"/>')
    m = sinew.Model.from_xml_string(xml)
    assert m.nconmax == 10
    big = sinew.Model.from_xml_string(spheres_xml(60, cols=10))
    q1 = np.random.default_rng(0).normal(0, 0.6, m.nq)  # 35 contacts
    b, ref = sinew.Batch(m, 2), sinew.Batch(big, 1)
    b.qpos[0] = 0.0
    b.qpos[1] = q1
    ref.qpos[0] = q1
    b.forward()
    ref.forward()
    assert b.ncon[0] == 0 and b.nconoverflow[0] == 0
    assert ref.ncon[0] == 35 and ref.nconoverflow[0] == 0
    assert b.ncon[1] == 10 and b.nconoverflow[1] == 25
    # the kept contacts are the first ten of the full list, in MuJoCo's order
    np.testing.assert_array_equal(b.contact_geom[1][:20], ref.contact_geom[0][:20])


BOXES = """<mujoco><worldbody><geom type="plane" size="2 2 0.1"/>
  <body pos="0 0 0.1"><freejoint/><geom type="box" size="0.05 0.05 0.05"/></body>
  <body pos="0 0 0.2"><freejoint/><geom type="cylinder" size="0.05 0.05"/></body>
  <body pos="0 0 0.3"><freejoint/><geom type="capsule" size="0.03 0.05"/></body>
</worldbody></mujoco>"""


def test_multiccd_flag_refits_capacity():
    """multiccd set after loading, by apply_option or directly on opt.enableflags before a Batch:
    the candidate pairs' contact count is recounted (convex pairs of non-round shapes give up to 5
    contacts with it), so the capacity follows the flag."""
    m = sinew.Model.from_xml_string(BOXES)
    plain = m.nconmax_pairs
    m.apply_option("flag.multiccd", "enable")
    assert m.nconmax_pairs > plain and m.nconmax == m.nconmax_pairs
    m.apply_option("flag.multiccd", "disable")
    assert m.nconmax_pairs == plain
    m2 = sinew.Model.from_xml_string(BOXES)
    b0 = sinew.Batch(m2, 1)
    m2.opt.enableflags = m2.opt.enableflags | 16  # mjENBL_MULTICCD, set directly: the Batch refits
    b1 = sinew.Batch(m2, 1)
    assert b1.contact_dist.shape[1] > b0.contact_dist.shape[1]


def test_contacts_disabled_means_no_capacity():
    xml = spheres_xml(60, cols=10).replace("<worldbody>", '<option><flag contact="disable"/></option><worldbody>')
    m = sinew.Model.from_xml_string(xml)
    assert m.nconmax == 0 and m.njmax == 0
    # enabled again before the Data is made: the capacity follows
    m.apply_option("flag.contact", "enable")
    assert m.nconmax == m.nconmax_pairs
    m2 = sinew.Model.from_xml_string(xml)
    off = sinew.Batch(m2, 1)  # made with contacts off: no capacity
    m2.opt.disableflags = 0   # set directly: a new Batch refits its own copy
    b = sinew.Batch(m2, 1)
    b.qpos[0] = np.random.default_rng(0).normal(0, 0.6, m2.nq)
    b.forward()
    assert b.ncon[0] > 0 and b.nconoverflow[0] == 0
    # the Batch made with contacts off refuses to step with them on, instead of dropping them all
    with pytest.raises(ValueError, match="contacts were disabled when this Batch was made"):
        off.step()


def test_two_thousand_hinged_spheres_load_and_step_like_mujoco():
    """MuJoCo loads and steps this model; the worst case of its ~2 million candidate pairs would
    need ~128 GB per world. Sinew fits its capacity to MuJoCo's arena (266 MiB) and finds the same
    ~1,800 contacts per step, none dropped; qpos agrees within 1e-10 after 20 steps (measured
    1.2e-14 after 50; contacts are active, so the Newton iteration's stopping point bounds it)."""
    xml = spheres_xml(2000)
    mm = mujoco.MjModel.from_xml_string(xml)
    md = mujoco.MjData(mm)
    m = sinew.Model.from_xml_string(xml)
    assert m.nconmax_pairs == 2000 * 1999 // 2
    assert m.narena == mm.narena
    b = sinew.Batch(m, 1)
    # memory comparable to MuJoCo's: the Data is at most twice MuJoCo's arena plus its buffer
    mj_bytes = mm.narena + md.nbuffer if hasattr(md, "nbuffer") else 2 * mm.narena
    print(f"\n2000 spheres: Sinew Data {b.nbytes / 2**20:.0f} MiB, nconmax {m.nconmax}, "
          f"MuJoCo arena {mm.narena / 2**20:.0f} MiB")
    assert b.nbytes <= 2 * mj_bytes
    q0 = np.random.default_rng(1).normal(0, 0.3, mm.nq)
    md.qpos[:] = q0
    b.qpos[0] = q0
    b.forward()
    for k in range(20):
        mujoco.mj_step(mm, md)
        b.step()
        assert b.ncon[0] == md.ncon, k
        assert b.nconoverflow[0] == 0 and b.nefcoverflow[0] == 0
    assert md.ncon > 1000
    err = np.abs(b.qpos[0] - md.qpos).max()
    print(f"qpos after 20 steps: |sinew - mujoco| = {err:.2e}")
    assert err < 1e-10


def test_data_larger_than_memory_is_refused_before_allocating():
    m = sinew.Model.from_xml_path(str(pathlib.Path(__file__).resolve().parents[2] / "models" / "arm.xml"))
    one = sinew.Batch(m, 1).nbytes
    ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGESIZE")
    n = int(2 * ram / one) + 1  # twice the machine's memory, still addressable
    with pytest.raises(ValueError, match=r"worlds need .* GiB .*: more than this machine's memory"):
        sinew.Batch(m, n)


def test_tools_report_overflow(tmp_path):
    """A capacity below the contacts found: sinew-rollout warns with the tally (noverflow)."""
    rollout = os.environ.get("SINEW_ROLLOUT")
    if not rollout:
        pytest.skip("set SINEW_ROLLOUT to the sinew-rollout binary")
    import subprocess
    xml = tmp_path / "spheres.xml"
    xml.write_text(spheres_xml(60, cols=10))
    q = np.random.default_rng(0).normal(0, 0.6, 60)
    np.save(tmp_path / "q.npy", q)
    r = subprocess.run([rollout, str(xml), "--steps", "3", "--qpos0", str(tmp_path / "q.npy"), "--nconmax", "10",
                        "--fields", "ncon,nconoverflow,noverflow", "--out", str(tmp_path / "out")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "did not fit in 4 forward pass(es) of 1 world(s)" in r.stderr  # the initial forward and 3 steps
    assert np.load(tmp_path / "out" / "noverflow.npy").ravel().tolist() == [1, 2, 3, 4]


def test_integrator_switch_on_a_batch():
    """A Batch keeps the scratch of Euler (with or without eulerdamp), RK4 and implicitfast
    (docs/python.md), so opt.integrator switches on its next step, with the same result as a
    Batch made for that integrator; implicit's nv x nv space exists only in a Batch made while
    the model is implicit: an older Batch raises instead of writing past its Data."""
    path = str(pathlib.Path(__file__).resolve().parents[2] / "models" / "arm.xml")
    m = sinew.Model.from_xml_path(path)
    m.apply_option("flag.eulerdamp", "disable")
    b = sinew.Batch(m, 2)
    b.ctrl[:] = 0.3
    b.step(5)
    for name, code in [("RK4", 1), ("implicitfast", 3), ("Euler", 0)]:
        m.opt.integrator = code  # set directly on the model the Batch reads its options from
        fresh = sinew.Batch(m, 2)
        for f in ("qpos", "qvel", "act", "ctrl", "qacc_warmstart", "time"):
            getattr(fresh, f)[:] = getattr(b, f)
        b.step(3)
        fresh.step(3)
        for f in ("qpos", "qvel", "act"):
            assert np.array_equal(getattr(b, f), getattr(fresh, f)), (name, f)
    m.apply_option("integrator", "implicit")
    with pytest.raises(ValueError, match="implicit needs"):
        b.step()
    imp = sinew.Batch(m, 2)
    imp.step(3)
    assert np.all(imp.status == 0) and np.all(np.isfinite(imp.qpos))
