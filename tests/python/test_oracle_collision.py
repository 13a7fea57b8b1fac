"""Sinew's collision stage (sinew-rollout, --steps 0) against MuJoCo 3.4.0's d.contact after
mj_forward: the same contact set (count, geom pairs), the geometry (dist, pos, frame normal) and
the parameters (friction, solref, solreffriction, solimp, includemargin, dim) per contact.

Needs the CLI built from tools/sinew_rollout.cpp; its path comes from $SINEW_ROLLOUT (every
test skips when it is unset).

Models and states:
- MyoFullBody: its keyframe (standing on the floor), and the keyframe lowered by 1..4 cm and
  randomly perturbed (joints +-0.15 rad) so feet and hands press into the floor and limbs into each
  other (plane-capsule, plane-ellipsoid, capsule-capsule and ellipsoid pairs);
- BimanualMuscle: random poses inside the joint ranges (its 33 explicit pairs);
- PRIMS below: the closed-form pair types, bodies on free joints at random poses close enough to
  touch, with margins, gaps, priorities, solmix and an explicit pair with its own parameters;
- CONVEX below: every pair type that MuJoCo sends to mjc_Convex (native GJK/EPA) and Sinew
  supports: ellipsoid with sphere/capsule/ellipsoid/cylinder/box, cylinder with
  capsule/cylinder/box, mesh with sphere/capsule/ellipsoid/cylinder/box/mesh, and plane-mesh
  (mjc_PlaneConvex); four inline meshes: 8 vertices (exhaustive support search), 10 and 30 (hill
  climbing on the qhull graph) and a hexagonal prism (flat faces: support ties the graph decides);
  penetrating, touching and separated-within-margin poses, and upright poses with flat faces on
  the floor;
- myo-sim's OSL leg (myolegs_osl.xml): its explicit capsule-cylinder, capsule-mesh and
  ellipsoid-mesh pairs at random poses, and its (flat) height-field terrain;
- HFIELD below: a bumpy 9 x 11 height field (elevation attribute) and one read from MuJoCo's binary
  file, against sphere, capsule, ellipsoid, cylinder, box and mesh bodies at 400 random poses in
  and above the terrain (mjc_ConvexHField: up to 50 contacts per pair, one per prism), compared
  in MuJoCo's order: equal to the last bit.

Contacts are compared as sets: both sides sorted by (geom1, geom2, pos). MuJoCo's own order is
also checked where Sinew reproduces it (same sequence of geom pairs).

Tolerances (double): closed-form pairs (plane with sphere/capsule/box/cylinder/ellipsoid,
sphere/capsule pairs) dist, pos, normal 1e-9, frame 1e-8. Convex (GJK/EPA) pairs, height-field
prisms included: dist and pos
1e-6 x the larger geom's bounding radius, normal (and frame) 1e-6. Sinew's collision/convex.hpp
reproduces MuJoCo's iteration (same support points, same stopping decisions), so for identical
geom poses the results are identical to the last bit (measured while porting: 0 difference on
~5000 random poses of every non-mesh pair type, fed MuJoCo's own geom_xpos/xmat); here the
poses come from Sinew's own kinematics, which differ from
MuJoCo's by rounding, and an iterative method stopped at opt.ccd_tolerance (1e-6) can move its
answer by up to that tolerance when rounding flips a stopping decision: hence 1e-6 relative to the
geom size (measured: 0, mesh pairs included, since meshes get MuJoCo's qhull graph and support
search). Parameters exact (1e-12). Capsule-box and box-box (closed forms): test_capsule_box,
test_box_box.
"""
import os
import tempfile

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

from models_util import musclemimic_path, myo_sim_models_dir
from oracle_util import ROLLOUT, random_states, run_rollout

pytestmark = pytest.mark.skipif(
    not ROLLOUT, reason="set SINEW_ROLLOUT to the sinew-rollout binary (tools/sinew_rollout.cpp)")

FIELDS = ["ncon", "nconoverflow", "contact_dist", "contact_pos", "contact_frame", "contact_friction",
          "contact_solref", "contact_solreffriction", "contact_solimp", "contact_includemargin",
          "contact_dim", "contact_geom"]

PRIMS = """<mujoco model="prims">
  <option timestep="0.002"/>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1" friction="0.8 0.01 0.001" conaffinity="7"/>
    <body name="s1" pos="0 0 0.1"><freejoint/><geom name="s1" type="sphere" size="0.1" margin="0.01" gap="0.004"/></body>
    <body name="s2" pos="0.3 0 0.1"><freejoint/><geom name="s2" type="sphere" size="0.08" priority="1" condim="4"/></body>
    <body name="c1" pos="0 0.3 0.1"><freejoint/><geom name="c1" type="capsule" size="0.05 0.15" solmix="3" solref="0.03 1.2"/></body>
    <body name="c2" pos="0.3 0.3 0.1"><freejoint/><geom name="c2" type="capsule" size="0.06 0.1" condim="6" solimp="0.8 0.9 0.01 0.4 3"/></body>
    <body name="e1" pos="0 -0.3 0.1"><freejoint/><geom name="e1" type="ellipsoid" size="0.08 0.12 0.05" margin="0.005"/></body>
    <body name="e2" pos="0.3 -0.3 0.1"><freejoint/><geom name="e2" type="ellipsoid" size="0.1 0.06 0.07"/></body>
    <body name="b1" pos="-0.3 0 0.1"><freejoint/><geom name="b1" type="box" size="0.05 0.07 0.04" contype="2" conaffinity="0"/></body>
    <body name="y1" pos="-0.3 0.3 0.1"><freejoint/><geom name="y1" type="cylinder" size="0.05 0.08" contype="4" conaffinity="0"/></body>
  </worldbody>
  <contact>
    <pair geom1="c2" geom2="c1" condim="1" friction="0.5 0.5 0.01 0.001 0.001" margin="0.02" gap="0.005" solreffriction="0.05 1"/>
    <pair geom1="b1" geom2="floor"/>
    <exclude body1="s2" body2="c2"/>
  </contact>
</mujoco>
"""

CONVEX = """<mujoco model="convex">
  <option timestep="0.002"/>
  <asset>
    <mesh name="rock" vertex="0.05 0 0  -0.05 0 0  0 0.04 0  0 -0.04 0  0 0 0.06  0 0 -0.06
                              0.03 0.03 0.03  -0.03 0.025 -0.03  0.03 -0.02 -0.035  -0.025 -0.03 0.03"/>
    <!-- 8 vertices (exhaustive support search, one plane contact), 12 (a hexagonal prism: hill
         climbing, flat faces whose ties the hull graph resolves) and 30 (random on an ellipsoid) -->
    <mesh name="brick" vertex="{brick}"/>
    <mesh name="hex" vertex="{hexprism}"/>
    <mesh name="pebble" vertex="{pebble}"/>
  </asset>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1"/>
    <body name="s" pos="0 0 0.1"><freejoint/><geom name="s" type="sphere" size="0.05" margin="0.01"/></body>
    <body name="c" pos="0.2 0 0.1"><freejoint/><geom name="c" type="capsule" size="0.04 0.08"/></body>
    <body name="e" pos="0 0.2 0.1"><freejoint/><geom name="e" type="ellipsoid" size="0.06 0.09 0.04" margin="0.005"/></body>
    <body name="y" pos="0.2 0.2 0.1"><freejoint/><geom name="y" type="cylinder" size="0.05 0.07"/></body>
    <body name="b" pos="-0.2 0 0.1"><freejoint/><geom name="b" type="box" size="0.04 0.06 0.03" gap="0.002"/></body>
    <body name="m" pos="-0.2 0.2 0.1"><freejoint/><geom name="m" type="mesh" mesh="rock"/></body>
    <body name="y2" pos="0 -0.2 0.1"><freejoint/><geom name="y2" type="cylinder" size="0.03 0.05" margin="0.01"/></body>
    <body name="e2" pos="0.2 -0.2 0.1"><freejoint/><geom name="e2" type="ellipsoid" size="0.05 0.03 0.06"/></body>
    <body name="k" pos="-0.2 -0.2 0.1"><freejoint/><geom name="k" type="mesh" mesh="brick" margin="0.004"/></body>
    <body name="h" pos="0 0 0.3"><freejoint/><geom name="h" type="mesh" mesh="hex"/></body>
    <body name="p" pos="0.2 0 0.3"><freejoint/><geom name="p" type="mesh" mesh="pebble"/></body>
  </worldbody>
  <contact>
    <!-- closed forms tested in PRIMS, SPHERE_BOX and CAPSULE_BOX -->
    <exclude body1="s" body2="y"/> <exclude body1="s" body2="y2"/> <exclude body1="s" body2="b"/>
    <exclude body1="c" body2="b"/> <exclude body1="b" body2="world"/>
  </contact>
</mujoco>
"""

def _mesh_vertices():
    """Vertex lists of the test meshes: a brick (8), a hexagonal prism (12), a pebble (30 random
    points on an ellipsoid)."""
    brick = "  ".join(f"{x} {y} {z}" for x in (-0.04, 0.04) for y in (-0.03, 0.03) for z in (-0.025, 0.025))
    hexprism = "  ".join(f"{0.045 * np.cos(k * np.pi / 3):.6f} {0.045 * np.sin(k * np.pi / 3):.6f} {z}"
                         for z in (-0.03, 0.03) for k in range(6))
    u = np.random.default_rng(5).normal(size=(30, 3))
    u = u / np.linalg.norm(u, axis=1, keepdims=True) * [0.05, 0.04, 0.035]
    pebble = "  ".join(f"{a:.6f} {b:.6f} {c:.6f}" for a, b, c in u)
    return dict(brick=brick, hexprism=hexprism, pebble=pebble)


def _convex_xml():
    return CONVEX.format(**_mesh_vertices())


CLOSED_TOL = 1e-9
# convex (GJK/EPA) pairs: 1e-6 relative to the geom size (see the module docstring)
CCD_REL = 1e-6
CCD_NRM = 1e-6


def mj_contacts(m, d):
    out = []
    for c in d.contact[:d.ncon]:
        out.append(dict(geom=tuple(int(g) for g in c.geom), dist=c.dist, pos=np.array(c.pos), frame=np.array(c.frame),
                        friction=np.array(c.friction), solref=np.array(c.solref), solreffriction=np.array(c.solreffriction),
                        solimp=np.array(c.solimp), includemargin=c.includemargin, dim=int(c.dim)))
    return out


def sinew_contacts(out, w):
    n = int(out["ncon"][w, 0, 0])
    res = []
    for k in range(n):
        g = out["contact_geom"][w, 0, 2 * k:2 * k + 2].astype(int)
        res.append(dict(geom=(int(g[0]), int(g[1])), dist=out["contact_dist"][w, 0, k],
                        pos=out["contact_pos"][w, 0, 3 * k:3 * k + 3], frame=out["contact_frame"][w, 0, 9 * k:9 * k + 9],
                        friction=out["contact_friction"][w, 0, 5 * k:5 * k + 5],
                        solref=out["contact_solref"][w, 0, 2 * k:2 * k + 2],
                        solreffriction=out["contact_solreffriction"][w, 0, 2 * k:2 * k + 2],
                        solimp=out["contact_solimp"][w, 0, 5 * k:5 * k + 5],
                        includemargin=out["contact_includemargin"][w, 0, k], dim=int(out["contact_dim"][w, 0, k])))
    return res


def key(c):
    return (c["geom"], round(float(c["pos"][0]), 4), round(float(c["pos"][1]), 4), round(float(c["pos"][2]), 4))


def compare_real(m, path, qpos, tmp, report, skip_types=()):
    W = qpos.shape[0]
    np.save(os.path.join(tmp, "qpos0.npy"), qpos)
    np.save(os.path.join(tmp, "qvel0.npy"), np.zeros((W, m.nv)))
    _, out = run_rollout(path, tmp, "--steps", 0, "--nworld", W, "--qpos0", os.path.join(tmp, "qpos0.npy"),
                         "--qvel0", os.path.join(tmp, "qvel0.npy"), fields=FIELDS)
    return check(m, qpos, out, report, skip_types)


def check(m, qpos, out, report, skip_types=()):
    """skip_types: geom types whose MuJoCo contacts are left out (not simulated by Sinew)."""
    d = mujoco.MjData(m)
    ccd_types = {mujoco.mjtGeom.mjGEOM_ELLIPSOID, mujoco.mjtGeom.mjGEOM_CYLINDER, mujoco.mjtGeom.mjGEOM_MESH,
                 mujoco.mjtGeom.mjGEOM_BOX}
    closed_ccd = {(2, 5), (2, 6), (3, 6), (6, 6)}  # sphere-cylinder, sphere/capsule-box, box-box: closed forms
    total = 0
    for w in range(qpos.shape[0]):
        d.qpos[:] = qpos[w]
        d.qvel[:] = 0
        mujoco.mj_forward(m, d)
        ref = [c for c in mj_contacts(m, d) if not {m.geom_type[g] for g in c["geom"]} & set(skip_types)]
        got = sinew_contacts(out, w)
        assert int(out["nconoverflow"][w, 0, 0]) == 0
        assert len(got) == len(ref), f"world {w}: ncon {len(got)} vs MuJoCo {len(ref)}: " \
            f"{sorted(c['geom'] for c in got)} vs {sorted(c['geom'] for c in ref)}"
        report["order_same" if [c["geom"] for c in got] == [c["geom"] for c in ref] else "order_diff"] += 1
        for a, b in zip(sorted(got, key=key), sorted(ref, key=key)):
            assert a["geom"] == b["geom"], (w, a["geom"], b["geom"])
            t1, t2 = sorted((int(m.geom_type[a["geom"][0]]), int(m.geom_type[a["geom"][1]])))
            ccd = ((t1 in ccd_types or t2 in ccd_types) and t1 != mujoco.mjtGeom.mjGEOM_PLANE and
                   (t1, t2) not in closed_ccd) or t1 == mujoco.mjtGeom.mjGEOM_HFIELD
            names = ["plane", "hfield", "sphere", "capsule", "ellipsoid", "cylinder", "box", "mesh"]
            kind = f"{names[t1]}-{names[t2]}"
            ed = abs(a["dist"] - b["dist"])
            ep = float(np.max(np.abs(a["pos"] - b["pos"])))
            en = float(np.max(np.abs(a["frame"][:3] - b["frame"][:3])))
            r = report.setdefault(kind, {"n": 0, "dist": 0.0, "pos": 0.0, "nrm": 0.0, "pen": 0, "margin": 0})
            r["n"] += 1
            r["pen" if b["dist"] < 0 else "margin"] += 1
            for k, v in [("dist", ed), ("pos", ep), ("nrm", en)]:
                r[k] = max(r[k], v)
            if ccd:
                scale = CCD_REL * max(m.geom_rbound[a["geom"][0]], m.geom_rbound[a["geom"][1]])
                assert ed <= scale and ep <= scale and en <= CCD_NRM, (w, a["geom"], kind, ed, ep, en)
                assert np.max(np.abs(a["frame"] - b["frame"])) <= 10 * CCD_NRM, (w, a["geom"], a["frame"], b["frame"])
            else:
                assert ed <= CLOSED_TOL and ep <= CLOSED_TOL and en <= CLOSED_TOL, (w, a["geom"], ed, ep, en)
                assert np.max(np.abs(a["frame"] - b["frame"])) <= 1e-8, (w, a["geom"], a["frame"], b["frame"])
            for f in ["friction", "solref", "solreffriction", "solimp"]:
                np.testing.assert_allclose(a[f], b[f], rtol=0, atol=1e-12, err_msg=f"{f} {a['geom']}")
            assert abs(a["includemargin"] - b["includemargin"]) <= 1e-12, (a["geom"], a["includemargin"], b["includemargin"])
            assert a["dim"] == b["dim"]
            total += 1
    report["contacts"] = report.get("contacts", 0) + total
    return total


def new_report():
    return {"order_same": 0, "order_diff": 0}


def free_poses(m, n, rng, lo, hi):
    """n states of a model made of free bodies: positions uniform in [lo, hi]^3, random orientations."""
    qpos = np.tile(m.qpos0, (n, 1))
    for j in range(m.njnt):
        a = m.jnt_qposadr[j]
        qpos[:, a:a + 3] = rng.uniform(lo, hi, (n, 3))
        q = rng.normal(size=(n, 4))
        qpos[:, a + 3:a + 7] = q / np.linalg.norm(q, axis=1, keepdims=True)
    return qpos


def _prims_states():
    rng = np.random.default_rng(3)
    m = mujoco.MjModel.from_xml_string(PRIMS)
    # free bodies packed in a 0.5 m box just above the floor: many touch each other and the floor
    qpos = free_poses(m, 200, rng, [-0.15, -0.15, -0.02], [0.15, 0.15, 0.2])
    # degenerate alignments: axis-aligned poses (parallel capsules, boxes flat on the floor)
    qpos[:20, 3::7] = 1
    qpos[:20, 4::7] = 0
    qpos[:20, 5::7] = 0
    qpos[:20, 6::7] = 0
    return m, qpos


def _run_xml(xml, m, qpos, name):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name + ".xml")
        with open(path, "w") as f:
            f.write(xml)
        report = new_report()
        total = compare_real(m, path, qpos, tmp, report)
    print(name, report)
    return total, report


def test_prims():
    m, qpos = _prims_states()
    total, _ = _run_xml(PRIMS, m, qpos, "prims")
    assert total > 500


SPHERE_BOX = """<mujoco model="sphere_box">
  <option timestep="0.002"/>
  <worldbody>
    <body name="b1"><freejoint/><geom name="b1" type="box" size="0.1 0.06 0.04" margin="0.01"/></body>
    <body name="b2"><freejoint/><geom name="b2" type="box" size="0.03 0.12 0.08" condim="4"/></body>
    <body name="s1"><freejoint/><geom name="s1" type="sphere" size="0.05"/></body>
    <body name="s2"><freejoint/><geom name="s2" type="sphere" size="0.02" margin="0.005"/></body>
    <body name="s3"><freejoint/><geom name="s3" type="sphere" size="0.08"/></body>
    <body name="y1"><freejoint/><geom name="y1" type="cylinder" size="0.06 0.09" margin="0.008"/></body>
  </worldbody>
  <contact><exclude body1="b1" body2="b2"/></contact>  <!-- box-box: test_box_box -->
</mujoco>
"""


def test_sphere_box_cylinder():
    """Sphere-box and sphere-cylinder (closed forms in both engines): spheres outside a box (faces,
    edges, corners) or a cylinder (side, caps, rim), within the margins, and with their centers
    inside (the face, or side or cap, of least penetration), among free bodies packed in a 0.2 m
    box; the first poses put sphere centers exactly on a box's center and axis (ties between
    faces) and inside the cylinder."""
    rng = np.random.default_rng(11)
    m = mujoco.MjModel.from_xml_string(SPHERE_BOX)
    qpos = free_poses(m, 400, rng, -0.1, 0.1)
    for w in range(10):  # sphere s1 at box b1's center, then on its x axis (ties)
        qpos[w, 14:17] = qpos[w, 0:3] + np.array([0.01 * w, 0, 0])
    for w in range(10, 30):  # sphere s2 inside cylinder y1
        qpos[w, 21:24] = qpos[w, 35:38] + rng.uniform(-0.05, 0.05, 3)
    total, report = _run_xml(SPHERE_BOX, m, qpos, "sphere_box")
    for kind in ("sphere-box", "sphere-cylinder"):
        r = report.get(kind, {})
        assert r.get("pen", 0) >= 100 and r.get("margin", 0) >= 5, (kind, r)


CAPSULE_BOX = """<mujoco model="capsule_box">
  <option timestep="0.002"/>
  <worldbody>
    <body name="b1"><freejoint/><geom name="b1" type="box" size="0.1 0.06 0.04" margin="0.01"/></body>
    <body name="b2"><freejoint/><geom name="b2" type="box" size="0.03 0.12 0.08" condim="4"/></body>
    <body name="c1"><freejoint/><geom name="c1" type="capsule" size="0.02 0.08"/></body>
    <body name="c2"><freejoint/><geom name="c2" type="capsule" size="0.04 0.05" margin="0.005"/></body>
    <body name="c3"><freejoint/><geom name="c3" type="capsule" size="0.015 0.15"/></body>
  </worldbody>
  <contact>
    <exclude body1="b1" body2="b2"/>  <!-- box-box: test_box_box -->
    <exclude body1="c1" body2="c2"/> <exclude body1="c1" body2="c3"/> <exclude body1="c2" body2="c3"/>
  </contact>
</mujoco>
"""


def _contacts_per_pair(m, qpos):
    """MuJoCo's number of contacts of every touching geom pair, over all states."""
    d = mujoco.MjData(m)
    out = []
    for w in range(qpos.shape[0]):
        d.qpos[:] = qpos[w]
        mujoco.mj_forward(m, d)
        g = [tuple(c.geom) for c in d.contact[:d.ncon]]
        out += [g.count(p) for p in set(g)]
    return out


def test_capsule_box():
    """Capsule-box (mjc_CapsuleBox, a closed form in both engines): random poses among free bodies
    packed in a 0.25 m box (end against face, segment against edge, corners), and axis-aligned
    poses where the capsule lies along a face or an edge of a box (the second contact) or points
    at a face or a corner (none); up to two contacts per pair, compared to the last bit."""
    rng = np.random.default_rng(13)
    m = mujoco.MjModel.from_xml_string(CAPSULE_BOX)
    qpos = free_poses(m, 600, rng, -0.12, 0.12)
    axis_quats = np.array([[1, 0, 0, 0], [np.sqrt(0.5), np.sqrt(0.5), 0, 0], [np.sqrt(0.5), 0, np.sqrt(0.5), 0],
                           [np.cos(0.3), 0, 0, np.sin(0.3)]])
    for w in range(200):  # upright boxes, capsules along or across the axes, touching a box
        for j in range(m.njnt):
            a = m.jnt_qposadr[j]
            qpos[w, a + 3:a + 7] = axis_quats[(w + j) % 4] if m.body(j + 1).name[0] == "c" else [1, 0, 0, 0]
        qpos[w, 14:17] = qpos[w, 0:3] + [rng.uniform(-0.1, 0.1), rng.uniform(-0.06, 0.06), 0.055 + 0.01 * (w % 3)]
    total, report = _run_xml(CAPSULE_BOX, m, qpos, "capsule_box")
    r = report.get("capsule-box", {})
    assert r.get("pen", 0) >= 300 and r.get("margin", 0) >= 10, r
    # the second-contact cases are exercised (pairs with two contacts in MuJoCo)
    pairs2 = sum(1 for c in _contacts_per_pair(m, qpos) if c == 2)
    print("capsule-box pairs with two contacts:", pairs2)
    assert pairs2 >= 100, pairs2


BOX_BOX = """<mujoco model="box_box">
  <option timestep="0.002"/>
  <worldbody>
    <body name="b1"><freejoint/><geom name="b1" type="box" size="0.1 0.06 0.04" margin="0.01"/></body>
    <body name="b2"><freejoint/><geom name="b2" type="box" size="0.03 0.12 0.08" condim="4"/></body>
    <body name="b3"><freejoint/><geom name="b3" type="box" size="0.05 0.05 0.05" margin="0.004" gap="0.001"/></body>
    <body name="b4"><freejoint/><geom name="b4" type="box" size="0.15 0.02 0.03"/></body>
  </worldbody>
</mujoco>
"""


def test_box_box():
    """Box-box (mjc_BoxBox, a closed form in both engines): random poses among free boxes packed in
    a 0.25 m box (face against face, edge against edge, corners), stacks with the same or a turned
    yaw (flat faces on faces: up to 8 contacts per pair), and tilted boxes resting on an edge;
    compared to the last bit."""
    rng = np.random.default_rng(17)
    m = mujoco.MjModel.from_xml_string(BOX_BOX)
    qpos = free_poses(m, 600, rng, -0.12, 0.12)
    for w in range(200):  # b2, b3, b4 stacked on b1's top face, upright or turned about z
        qpos[w, 3:7] = [1, 0, 0, 0]
        for j, h in ((1, 0.08), (2, 0.05), (3, 0.03)):
            a = 7 * j
            yaw = 0.0 if w % 3 == 0 else rng.uniform(-np.pi, np.pi) if w % 3 == 1 else np.pi / 2
            qpos[w, a:a + 3] = qpos[w, 0:3] + [rng.uniform(-0.08, 0.08), rng.uniform(-0.05, 0.05),
                                               0.04 + h - rng.uniform(-0.005, 0.01)]
            qpos[w, a + 3:a + 7] = [np.cos(yaw / 2), 0, 0, np.sin(yaw / 2)]
    for w in range(200, 300):  # b3 tilted 45 degrees about x or y onto b1: edge on face
        qpos[w, 3:7] = [1, 0, 0, 0]
        ax = [1, 0, 0] if w % 2 else [0, 1, 0]
        qpos[w, 21:24] = qpos[w, 0:3] + [rng.uniform(-0.05, 0.05), rng.uniform(-0.03, 0.03),
                                         0.04 + 0.05 * np.sqrt(2) - rng.uniform(0, 0.01)]
        qpos[w, 24:28] = [np.cos(np.pi / 8), *(np.sin(np.pi / 8) * np.array(ax))]
    total, report = _run_xml(BOX_BOX, m, qpos, "box_box")
    r = report.get("box-box", {})
    assert r.get("pen", 0) >= 500 and r.get("margin", 0) >= 10, r
    most = max(_contacts_per_pair(m, qpos))
    print("box-box: most contacts of one pair:", most)
    assert most >= 4, most


def _convex_states(n, seed):
    """Free bodies in a 0.3 m box (many overlap: penetrating poses), the same poses spread by 1.3
    (touching and separated within the margins) and by 0.7 (deep)."""
    rng = np.random.default_rng(seed)
    m = mujoco.MjModel.from_xml_string(_convex_xml())
    qpos = free_poses(m, n, rng, [-0.12, -0.12, 0.0], [0.12, 0.12, 0.24])
    spread = np.repeat([1.0, 1.3, 0.7], n // 3 + 1)[:n]
    for j in range(m.njnt):
        a = m.jnt_qposadr[j]
        qpos[:, a:a + 3] *= spread[:, None]
    # the first 60 poses upright and low: flat mesh faces on the floor (support-point ties)
    for j in range(m.njnt):
        a = m.jnt_qposadr[j]
        qpos[:60, a + 2] = rng.uniform(-0.01, 0.05, 60)
        qpos[:60, a + 3:a + 7] = [1, 0, 0, 0]
    return m, qpos


CONVEX_PAIRS = ["sphere-ellipsoid", "capsule-ellipsoid", "ellipsoid-ellipsoid", "capsule-cylinder",
                "ellipsoid-cylinder", "cylinder-cylinder", "ellipsoid-box", "cylinder-box", "sphere-mesh",
                "capsule-mesh", "ellipsoid-mesh", "cylinder-mesh", "box-mesh", "mesh-mesh", "plane-mesh"]


def test_convex_pairs():
    """Every mjc_Convex pair type Sinew supports, against MuJoCo's native CCD (GJK/EPA)."""
    m, qpos = _convex_states(600, 7)
    total, report = _run_xml(_convex_xml(), m, qpos, "convex")
    assert total > 1000
    for kind in CONVEX_PAIRS:
        assert report.get(kind, {}).get("pen", 0) >= 10, (kind, report.get(kind))
        assert report.get(kind, {}).get("margin", 0) >= 1 or kind in ("capsule-cylinder", "capsule-ellipsoid",
                                                                       "cylinder-box", "ellipsoid-box",
                                                                       "capsule-mesh", "cylinder-mesh",
                                                                       "ellipsoid-mesh"), (kind, report.get(kind))


MULTI = """<mujoco model="multiccd">
  <option timestep="0.002"><flag multiccd="enable"/></option>
  <asset>
    <mesh name="brick" vertex="{brick}"/>
    <mesh name="hex" vertex="{hexprism}"/>
    <mesh name="pebble" vertex="{pebble}"/>
    <mesh name="slab" vertex="{slab}"/>
  </asset>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1"/>
    <body name="b" pos="0 0 0.1"><freejoint/><geom name="b" type="box" size="0.04 0.06 0.03"/></body>
    <body name="b2" pos="0.2 0 0.1"><freejoint/><geom name="b2" type="box" size="0.05 0.03 0.02" margin="0.003"/></body>
    <body name="k" pos="0 0.2 0.1"><freejoint/><geom name="k" type="mesh" mesh="brick"/></body>
    <body name="h" pos="0.2 0.2 0.1"><freejoint/><geom name="h" type="mesh" mesh="hex"/></body>
    <body name="p" pos="-0.2 0 0.1"><freejoint/><geom name="p" type="mesh" mesh="pebble"/></body>
    <body name="l" pos="-0.2 0.2 0.1"><freejoint/><geom name="l" type="mesh" mesh="slab"/></body>
    <body name="y" pos="0 -0.2 0.1"><freejoint/><geom name="y" type="cylinder" size="0.04 0.05"/></body>
    <body name="c" pos="0.2 -0.2 0.1"><freejoint/><geom name="c" type="capsule" size="0.03 0.05"/></body>
    <body name="e" pos="-0.2 -0.2 0.1"><freejoint/><geom name="e" type="ellipsoid" size="0.05 0.03 0.04"/></body>
  </worldbody>
  <contact>
    <!-- closed forms (box-box, capsule-box, plane pairs) are tested above -->
    <exclude body1="b" body2="b2"/> <exclude body1="c" body2="b"/> <exclude body1="c" body2="b2"/>
    <exclude body1="b" body2="world"/> <exclude body1="b2" body2="world"/> <exclude body1="c" body2="world"/>
    <exclude body1="y" body2="world"/> <exclude body1="e" body2="world"/>
  </contact>
</mujoco>
"""


def _multi_xml():
    # a slab whose faces are split into several coplanar triangles (a 3 x 3 grid of vertices on
    # top and bottom, four on each end): polygons merged from many hull triangles
    slab = "  ".join(f"{x} {y} {z}" for z in (-0.015, 0.015) for x in (-0.06, 0.0, 0.06) for y in (-0.04, 0.0, 0.04))
    return MULTI.format(slab=slab, **_mesh_vertices())


def _rotations_24():
    """The 24 rotations mapping axes to axes, as quaternions."""
    import itertools
    out = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1, -1), repeat=3):
            r = np.zeros((3, 3))
            for i in range(3):
                r[i, perm[i]] = signs[i]
            if np.linalg.det(r) > 0:
                q = np.zeros(4)
                mujoco.mju_mat2Quat(q, r.flatten())
                out.append(q)
    return np.array(out)


def test_multiccd():
    """MuJoCo's multiccd (several contacts per convex pair) with native CCD: box-mesh and mesh-mesh
    pairs get multicontact's polygon-clipping contacts (face on face, edge on face; meshes of 8, 12,
    18 and 30 vertices, polygons merged from coplanar hull triangles), other pairs of non-round
    shapes (cylinder, capsule with box/mesh, a box-mesh pair with a margin) MuJoCo's perturbation
    search (four extra runs with both geoms turned by 1e-3 rad). Poses: axis-aligned stacks
    tilted by less than mjFACE_TOL's angle (faces parallel within tolerance: the multi-contact
    cases), the same tilted by 0.01 rad (not aligned: one contact), and random. Same tolerances as
    test_convex_pairs (the contacts come from the same GJK/EPA run and exact clipping
    arithmetic)."""
    rng = np.random.default_rng(29)
    m = mujoco.MjModel.from_xml_string(_multi_xml())
    assert m.opt.enableflags & mujoco.mjtEnableBit.mjENBL_MULTICCD
    n = 600
    qpos = free_poses(m, n, rng, [-0.1, -0.1, 0.0], [0.1, 0.1, 0.2])
    rots = _rotations_24()
    for w in range(400):  # pairs of bodies stacked with aligned faces
        tilt = 4e-4 if w < 300 else 1e-2
        for j in range(m.njnt):
            a = m.jnt_qposadr[j]
            q = rots[rng.integers(24)] if j % 2 else rots[0]
            axis = rng.normal(size=3)
            axis /= np.linalg.norm(axis)
            dq = np.array([np.cos(tilt / 2), *(np.sin(tilt / 2) * axis)])
            r = np.zeros(4)
            mujoco.mju_mulQuat(r, dq, q)
            qpos[w, a + 3:a + 7] = r
            # bodies in a column: each one's centre 0.04-0.06 above the previous (they interpenetrate)
            qpos[w, a:a + 3] = [rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01), 0.02 + 0.05 * j]
    total, report = _run_xml(_multi_xml(), m, qpos, "multiccd")
    assert total > 1000
    per_pair = {}
    d = mujoco.MjData(m)
    names = ["plane", "hfield", "sphere", "capsule", "ellipsoid", "cylinder", "box", "mesh"]
    for w in range(n):
        d.qpos[:] = qpos[w]
        mujoco.mj_forward(m, d)
        count = {}
        for c in d.contact[:d.ncon]:
            count[tuple(c.geom)] = count.get(tuple(c.geom), 0) + 1
        for (g1, g2), k in count.items():
            t = sorted((int(m.geom_type[g1]), int(m.geom_type[g2])))
            kind = f"{names[t[0]]}-{names[t[1]]}"
            per_pair.setdefault(kind, []).append(k)
    print("multiccd: contacts per pair", {k: (len(v), max(v), sum(x > 1 for x in v)) for k, v in per_pair.items()})
    # the multi-contact paths were taken: pairs with 3-4 contacts from multicontact, and pairs
    # with several from the perturbation search
    for kind in ("box-mesh", "mesh-mesh"):
        assert sum(x >= 3 for x in per_pair.get(kind, [])) >= 20, (kind, per_pair.get(kind))
    for kind in ("cylinder-box", "cylinder-mesh", "capsule-mesh"):
        assert sum(x >= 2 for x in per_pair.get(kind, [])) >= 5, (kind, per_pair.get(kind))


def test_multiccd_option():
    """multiccd switched on after loading (sinew-rollout --option flag.multiccd=enable, i.e.
    apply_option): the contact capacity follows the flag (convex pairs of non-round shapes up to 5
    contacts), nothing overflows, and the contacts equal MuJoCo's with the flag set, as in
    test_multiccd."""
    m, qpos = _convex_states(150, 11)
    m.opt.enableflags |= mujoco.mjtEnableBit.mjENBL_MULTICCD
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "convex.xml")
        with open(path, "w") as f:
            f.write(_convex_xml())  # the file does not enable it
        W = qpos.shape[0]
        np.save(os.path.join(tmp, "qpos0.npy"), qpos)
        np.save(os.path.join(tmp, "qvel0.npy"), np.zeros((W, m.nv)))
        _, out = run_rollout(path, tmp, "--steps", 0, "--nworld", W, "--qpos0", os.path.join(tmp, "qpos0.npy"),
                             "--qvel0", os.path.join(tmp, "qvel0.npy"), "--option", "flag.multiccd=enable",
                             fields=FIELDS)
        _, plain = run_rollout(path, os.path.join(tmp, "plain"), "--steps", 0, fields=["contact_dist"])
        report = new_report()
        total = check(m, qpos, out, report)
    print("multiccd by option", report)
    assert total > 300
    # the capacity was recounted for the flag: more contacts per world than without it
    assert out["contact_dist"].shape[2] > plain["contact_dist"].shape[2], (out["contact_dist"].shape,
                                                                          plain["contact_dist"].shape)


def test_multiccd_trajectory():
    """Stepping with multiccd: the MULTI bodies dropped in aligned stacks onto the floor and each
    other (face-on-face contacts, several per pair, through the constraint solver), 40 steps of 8
    worlds, qpos and the contact count against mj_step. Tolerance 1e-8 on qpos: the contacts of a
    pose are MuJoCo's to the last bit (test_multiccd); what differs is kinematics' rounding, which
    the contact dynamics amplify over the steps (measured: below 1e-12)."""
    rng = np.random.default_rng(31)
    xml = _multi_xml()
    m = mujoco.MjModel.from_xml_string(xml)
    W, N = 8, 40
    qpos = np.tile(m.qpos0, (W, 1))
    rots = _rotations_24()
    for w in range(W):
        for j in range(m.njnt):
            a = m.jnt_qposadr[j]
            qpos[w, a + 3:a + 7] = rots[rng.integers(24)] if w % 2 else rots[0]
            qpos[w, a:a + 3] = [0.12 * (j % 3) - 0.12, 0.12 * (j // 3) - 0.12 + rng.uniform(-0.01, 0.01),
                                0.03 + 0.01 * (w % 4)]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "multi.xml")
        with open(path, "w") as f:
            f.write(xml)
        np.save(os.path.join(tmp, "qpos0.npy"), qpos)
        np.save(os.path.join(tmp, "qvel0.npy"), np.zeros((W, m.nv)))
        _, out = run_rollout(path, tmp, "--steps", N, "--nworld", W, "--qpos0", os.path.join(tmp, "qpos0.npy"),
                             "--qvel0", os.path.join(tmp, "qvel0.npy"), fields=["qpos", "ncon"])
    d = mujoco.MjData(m)
    err, multi = 0.0, 0
    for w in range(W):
        d.qpos[:] = qpos[w]
        d.qvel[:] = 0
        for k in range(N):
            mujoco.mj_step(m, d)
            # row k: the contacts of the state at step k, those mj_step used to reach step k + 1
            assert int(out["ncon"][w, k, 0]) == d.ncon, (w, k, int(out["ncon"][w, k, 0]), d.ncon)
            err = max(err, float(np.max(np.abs(out["qpos"][w, k + 1] - d.qpos))))
            multi += sum(1 for i in range(1, d.ncon) if tuple(d.contact[i].geom) == tuple(d.contact[i - 1].geom))
    print("multiccd trajectory: max qpos error", err, "repeated-pair contacts", multi)
    assert multi >= 100, multi
    assert err <= 1e-8, err


def _lowered_states(m, key, n, rng):
    qpos = np.tile(m.key_qpos[key], (n, 1))
    free = [j for j in range(m.njnt) if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE]
    for j in range(m.njnt):
        a = m.jnt_qposadr[j]
        if m.jnt_type[j] in (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE):
            qpos[1:, a] += rng.uniform(-0.15, 0.15, n - 1)
            if m.jnt_limited[j]:
                qpos[:, a] = np.clip(qpos[:, a], *m.jnt_range[j])
    for j in free:
        a = m.jnt_qposadr[j]
        qpos[1:, a + 2] -= rng.uniform(0.01, 0.04, n - 1)
    return qpos


def test_myofullbody():
    path = musclemimic_path("myofullbody")
    m = mujoco.MjModel.from_xml_path(path)
    rng = np.random.default_rng(0)
    qpos = _lowered_states(m, 0, 96, rng)
    with tempfile.TemporaryDirectory() as tmp:
        report = new_report()
        total = compare_real(m, path, qpos, tmp, report)
        print("myofullbody", report)
        assert total > 48


def test_bimanual():
    path = musclemimic_path("bimanual")
    m = mujoco.MjModel.from_xml_path(path)
    rng = np.random.default_rng(1)
    qpos, _ = random_states(m, 128, rng)
    with tempfile.TemporaryDirectory() as tmp:
        report = new_report()
        total = compare_real(m, path, qpos, tmp, report)
        print("bimanual", report)
        assert total > 0


def test_myolegs_osl():
    """myo-sim's leg with the OSL prosthesis: explicit capsule-cylinder, capsule-mesh and
    ellipsoid-mesh pairs (mjc_Convex), and its height-field terrain."""
    path = str(myo_sim_models_dir() / "legacy" / "osl" / "myolegs_osl.xml")
    m = mujoco.MjModel.from_xml_path(path)
    rng = np.random.default_rng(4)
    qpos, _ = random_states(m, 96, rng)
    free = [j for j in range(m.njnt) if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE]
    for j in free:  # keep the root near its initial pose so the pelvis stays upright
        a = m.jnt_qposadr[j]
        qpos[:, a:a + 7] = m.qpos0[a:a + 7]
    with tempfile.TemporaryDirectory() as tmp:
        report = new_report()
        total = compare_real(m, path, qpos, tmp, report)
        print("myolegs_osl", report)
    assert total > 0


HFIELD = """<mujoco model="hfield">
  <option timestep="0.002"/>
  <asset>
    <hfield name="bumps" nrow="9" ncol="11" size="0.5 0.4 0.15 0.05" elevation="{elev}"/>
    {filefield}
    <mesh name="rock" vertex="0.05 0 0  -0.05 0 0  0 0.04 0  0 -0.04 0  0 0 0.06  0 0 -0.06
                              0.03 0.03 0.03  -0.03 0.025 -0.03  0.03 -0.02 -0.035  -0.025 -0.03 0.03"/>
  </asset>
  <worldbody>
    <geom name="terrain" type="hfield" hfield="bumps" pos="0.1 -0.05 0" euler="0 0 0.3"/>
    {filegeom}
    <body name="s" pos="0 0 0.3"><freejoint/><geom name="s" type="sphere" size="0.06" margin="0.01"/></body>
    <body name="c" pos="0.2 0 0.3"><freejoint/><geom name="c" type="capsule" size="0.04 0.1"/></body>
    <body name="e" pos="0 0.2 0.3"><freejoint/><geom name="e" type="ellipsoid" size="0.07 0.1 0.04"/></body>
    <body name="y" pos="0.2 0.2 0.3"><freejoint/><geom name="y" type="cylinder" size="0.05 0.07" margin="0.005"/></body>
    <body name="b" pos="-0.2 0 0.3"><freejoint/><geom name="b" type="box" size="0.06 0.08 0.04"/></body>
    <body name="m" pos="-0.2 0.2 0.3"><freejoint/><geom name="m" type="mesh" mesh="rock"/></body>
  </worldbody>
  <contact>
    <exclude body1="s" body2="c"/> <exclude body1="s" body2="e"/> <exclude body1="s" body2="y"/>
    <exclude body1="s" body2="b"/> <exclude body1="s" body2="m"/> <exclude body1="c" body2="e"/>
    <exclude body1="c" body2="y"/> <exclude body1="c" body2="b"/> <exclude body1="c" body2="m"/>
    <exclude body1="e" body2="y"/> <exclude body1="e" body2="b"/> <exclude body1="e" body2="m"/>
    <exclude body1="y" body2="b"/> <exclude body1="y" body2="m"/> <exclude body1="b" body2="m"/>
  </contact>
</mujoco>
"""


def _hfield_xml(tmp, with_file):
    r = np.arange(9)[:, None]
    c = np.arange(11)[None, :]
    elev = 0.5 + 0.4 * np.sin(0.9 * r + 0.3) * np.cos(0.7 * c) + 0.1 * ((r * 7 + c * 3) % 5) / 5
    text = " ".join(f"{v:.6f}" for v in elev.ravel())
    filefield = filegeom = ""
    if with_file:
        z = (0.3 * np.cos(0.5 * np.arange(6)[:, None]) * np.sin(0.8 * np.arange(8)[None, :]) + 0.7).astype(np.float32)
        with open(os.path.join(tmp, "terrain.bin"), "wb") as f:
            f.write(np.array([6, 8], np.int32).tobytes())
            f.write(z.tobytes())
        filefield = '<hfield name="bin" file="terrain.bin" size="0.3 0.3 0.1 0.05"/>'
        filegeom = '<geom name="binterrain" type="hfield" hfield="bin" pos="-0.1 0.15 0.02"/>'
    return HFIELD.format(elev=text, filefield=filefield, filegeom=filegeom)


@pytest.mark.parametrize("with_file", [False, True], ids=["elevation", "binary-file"])
def test_hfield(with_file):
    """Height fields against every convex type (mjc_ConvexHField, prisms through native CCD),
    compared contact by contact in MuJoCo's order (the same prisms in the same order)."""
    rng = np.random.default_rng(11 if with_file else 10)
    with tempfile.TemporaryDirectory() as tmp:
        xml = _hfield_xml(tmp, with_file)
        path = os.path.join(tmp, "hfield.xml")
        with open(path, "w") as f:
            f.write(xml)
        m = mujoco.MjModel.from_xml_path(path)
        W = 400
        qpos = free_poses(m, W, rng, [-0.35, -0.3, -0.02], [0.35, 0.3, 0.2])
        np.save(os.path.join(tmp, "qpos0.npy"), qpos)
        np.save(os.path.join(tmp, "qvel0.npy"), np.zeros((W, m.nv)))
        _, out = run_rollout(path, tmp, "--steps", 0, "--nworld", W, "--qpos0", os.path.join(tmp, "qpos0.npy"),
                             "--qvel0", os.path.join(tmp, "qvel0.npy"), fields=FIELDS)
    d = mujoco.MjData(m)
    names = ["plane", "hfield", "sphere", "capsule", "ellipsoid", "cylinder", "box", "mesh"]
    stats = {}
    for w in range(W):
        d.qpos[:] = qpos[w]
        mujoco.mj_forward(m, d)
        ref, got = mj_contacts(m, d), sinew_contacts(out, w)
        assert int(out["nconoverflow"][w, 0, 0]) == 0
        assert [c["geom"] for c in got] == [c["geom"] for c in ref], f"world {w}: contact pairs or order differ"
        for a, b in zip(got, ref):
            kind = "hfield-" + names[m.geom_type[a["geom"][1]]]
            e = max(abs(a["dist"] - b["dist"]), float(np.max(np.abs(a["pos"] - b["pos"]))),
                    float(np.max(np.abs(a["frame"][:3] - b["frame"][:3]))))
            e = max(e, float(np.max(np.abs(a["frame"] - b["frame"]))))
            st = stats.setdefault(kind, {"n": 0, "max": 0.0, "off": 0, "off_max": 0.0})
            st["n"] += 1
            if e <= 1e-6:
                st["max"] = max(st["max"], e)
            else:
                st["off"] += 1
                st["off_max"] = max(st["off_max"], e)
            for f in ["friction", "solref", "solimp"]:
                np.testing.assert_allclose(a[f], b[f], rtol=0, atol=1e-12)
    print("hfield", "file" if with_file else "elevation", stats)
    for kind in ["hfield-sphere", "hfield-capsule", "hfield-ellipsoid", "hfield-cylinder", "hfield-box",
                 "hfield-mesh"]:
        st = stats.get(kind, {"n": 0})
        assert st["n"] >= (500 if kind == "hfield-mesh" else 1000), (kind, st)
        # the same prisms, the same GJK/EPA decisions and, for the mesh, the same support vertices
        # (hill climbing on the same qhull graph): equal to MuJoCo (measured: exactly)
        assert st["off"] == 0 and st["max"] <= 1e-9, (kind, st)


def test_overflow_is_counted():
    """A capacity below the contact count: the first nconmax contacts are kept, the rest counted."""
    path = musclemimic_path("myofullbody")
    m = mujoco.MjModel.from_xml_path(path)
    qpos = _lowered_states(m, 0, 4, np.random.default_rng(2))
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "q.npy"), qpos)
        _, full = run_rollout(path, tmp, "--steps", 0, "--nworld", 4, "--qpos0", os.path.join(tmp, "q.npy"),
                              fields=["ncon", "nconoverflow", "contact_geom"])
        _, cut = run_rollout(path, tmp, "--steps", 0, "--nworld", 4, "--qpos0", os.path.join(tmp, "q.npy"),
                             "--nconmax", 2, fields=["ncon", "nconoverflow", "contact_geom"])
    for w in range(4):
        n = int(full["ncon"][w, 0, 0])
        assert int(cut["ncon"][w, 0, 0]) == min(n, 2)
        assert int(cut["nconoverflow"][w, 0, 0]) == max(n - 2, 0)
        k = min(n, 2)
        np.testing.assert_array_equal(cut["contact_geom"][w, 0, :2 * k], full["contact_geom"][w, 0, :2 * k])
