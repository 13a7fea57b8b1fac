"""Sinew's mesh compilation (include/sinew/compiler/mesh.hpp) against MuJoCo 3.4.0, on every STL
mesh of the MuscleMimic (musclemimic-models) and MyoSuite (myo-sim) models.

Needs the tool built from tests/tools/sinew_mesh_dump.cpp; its path comes from $SINEW_MESH_DUMP (the
tests skip when it is unset). All meshes go through one tool run and one MuJoCo compile: a model
with one jointless body per (mesh file, scale, inertia, refpos, refquat) combination the models
use, each body holding a single <geom type="mesh"> with no <inertial> (density 1000), so
body_mass/ipos/iquat/inertia are that geom's and geom_pos/quat are the mesh frame alone.

Tolerances: double fields to 1e-10 relative to the field's scale (|a - b|_inf <= 1e-10 *
max(|b|_inf, mesh size)), so fields that are near zero (a centred mesh's pos) are compared on the
mesh's scale; mesh_vert is float32 in mjModel and is compared as float32 (after rounding ours).
"""
import glob
import os
import subprocess

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

TOOL = os.environ.get("SINEW_MESH_DUMP")
pytestmark = pytest.mark.skipif(
    not TOOL, reason="set SINEW_MESH_DUMP to the sinew_mesh_dump binary (tests/tools/sinew_mesh_dump.cpp)")

MODES = {0: "convex", 1: "exact", 2: "legacy", 3: "shell"}
RTOL = 1e-10


def _compile(xml):
    """MuJoCo compile without its asset cache: the cache is keyed on file, scale, inertia and
    maxhullvert but not refpos/refquat, so a mesh file processed once is reused with stale
    refpos/refquat (MuJoCo 3.4.0 behaviour; Sinew implements the uncached semantics)."""
    mujoco.mj_clearCache(mujoco.mj_getCache())
    return mujoco.MjModel.from_xml_string(xml)


def _package_roots():
    roots = []
    for name in ("musclemimic_models", "myo_sim"):
        try:
            mod = __import__(name)
        except ImportError:
            continue
        roots.append(os.path.dirname(mod.__file__))
    return roots


def _collect():
    """Unique (path, scale, inertia, refpos, refquat) of STL meshes used by the models, plus
    every STL file of the packages that no model uses (scale 1, legacy)."""
    keys = set()
    roots = _package_roots()
    for root in roots:
        for xml in sorted(glob.glob(root + "/**/*.xml", recursive=True)):
            try:
                spec = mujoco.MjSpec.from_file(xml)
            except Exception:  # <mujocoinclude> fragments: their meshes come with the models
                continue
            base = os.path.join(os.path.dirname(xml), spec.meshdir)
            for me in spec.meshes:
                if not me.file.lower().endswith(".stl"):
                    continue
                path = os.path.normpath(os.path.join(base, me.file))
                keys.add((path, tuple(float(x) for x in me.scale), int(me.inertia),
                          tuple(float(x) for x in me.refpos), tuple(float(x) for x in me.refquat)))
    used = {k[0] for k in keys}
    for root in roots:
        for f in glob.glob(root + "/**/*.stl", recursive=True):
            f = os.path.normpath(f)
            if f not in used:
                keys.add((f, (1.0, 1.0, 1.0), 2, (0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0)))
    return sorted(keys)


def _mjcf(keys):
    assets, bodies = [], []
    for i, (path, scale, inertia, refpos, refquat) in enumerate(keys):
        assets.append(
            f'<mesh name="m{i}" file="{path}" scale="{" ".join(repr(x) for x in scale)}" '
            f'inertia="{MODES[inertia]}" refpos="{" ".join(repr(x) for x in refpos)}" '
            f'refquat="{" ".join(repr(x) for x in refquat)}"/>')
        bodies.append(f'<body name="b{i}"><geom type="mesh" mesh="m{i}"/></body>')
    return ("<mujoco><asset>" + "".join(assets) + "</asset><worldbody>" + "".join(bodies) +
            "</worldbody></mujoco>")


def _run_tool(keys, tmp):
    lst = os.path.join(tmp, "meshes.txt")
    with open(lst, "w") as f:
        for path, scale, inertia, refpos, refquat in keys:
            f.write(" ".join([path, *map(repr, scale), MODES[inertia], *map(repr, refpos),
                              *map(repr, refquat)]) + "\n")
    subprocess.run([TOOL, lst, tmp], check=True)
    out = {n: np.load(os.path.join(tmp, n + ".npy")) for n in (
        "vertnum", "vert", "pos", "quat", "volume", "inertia", "boxsz", "geom_pos", "geom_quat",
        "geom_inertia")}
    out["errors"] = open(os.path.join(tmp, "errors.txt")).read()
    return out


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    keys = _collect()
    assert keys, "no musclemimic-models / myo-sim meshes found"
    ours = _run_tool(keys, str(tmp_path_factory.mktemp("mesh")))
    model = _compile(_mjcf(keys))
    return keys, ours, model


def _close(a, b, scale):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) <= RTOL * max(np.max(np.abs(b)), scale)


def _quat_close(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return min(np.max(np.abs(a - b)), np.max(np.abs(a + b))) <= RTOL


def test_all_meshes_compile(compiled):
    keys, ours, model = compiled
    assert ours["errors"] == ""
    assert model.nmesh == len(keys)
    print(f"\n{len(keys)} mesh configurations, {len({k[0] for k in keys})} STL files, "
          f"{model.nmeshvert} vertices")


def test_vertices(compiled):
    keys, ours, model = compiled
    np.testing.assert_array_equal(ours["vertnum"], model.mesh_vertnum)
    ulp = 0
    worst = 0.0
    for i in range(model.nmesh):
        a, n = model.mesh_vertadr[i], model.mesh_vertnum[i]
        mine = ours["vert"][a:a + n].astype(np.float32)
        theirs = model.mesh_vert[a:a + n]
        diff = np.abs(mine.astype(np.float64) - theirs)
        size = np.max(np.abs(theirs))
        worst = max(worst, np.max(diff) / size)
        # same order, same float32 values up to the rounding of the last bit
        ulp = max(ulp, int(np.max(np.abs(mine.view(np.int32).astype(np.int64) -
                                         theirs.view(np.int32).astype(np.int64))[diff > 0],
                                  initial=0)))
        assert np.max(diff) <= 1e-6 * size, keys[i][0]
    print(f"\nmesh_vert: max |diff|/size {worst:.2e}, max ulp distance (where different) {ulp}")


def test_mesh_frame(compiled):
    keys, ours, model = compiled
    worst = {"pos": 0.0, "quat": 0.0}
    for i in range(model.nmesh):
        a, n = model.mesh_vertadr[i], model.mesh_vertnum[i]
        size = float(np.max(np.abs(model.mesh_vert[a:a + n])))
        assert _close(ours["pos"][i], model.mesh_pos[i], size), keys[i]
        assert _quat_close(ours["quat"][i], model.mesh_quat[i]), keys[i]
        assert _close(ours["geom_pos"][i], model.geom_pos[i], size), keys[i]
        assert _quat_close(ours["geom_quat"][i], model.geom_quat[i]), keys[i]
        worst["pos"] = max(worst["pos"], np.max(np.abs(ours["pos"][i] - model.mesh_pos[i])) / size)
        worst["quat"] = max(worst["quat"], min(np.max(np.abs(ours["quat"][i] - model.mesh_quat[i])),
                                               np.max(np.abs(ours["quat"][i] + model.mesh_quat[i]))))
    print(f"\nmesh_pos max rel {worst['pos']:.2e}, mesh_quat max abs {worst['quat']:.2e}")


def test_body_inertial(compiled):
    keys, ours, model = compiled
    worst = np.zeros(4)
    for i in range(model.nmesh):
        b = i + 1
        a, n = model.mesh_vertadr[i], model.mesh_vertnum[i]
        size = float(np.max(np.abs(model.mesh_vert[a:a + n])))
        mass = 1000 * ours["volume"][i]
        assert abs(mass - model.body_mass[b]) <= RTOL * model.body_mass[b], keys[i]
        assert _close(ours["geom_pos"][i], model.body_ipos[b], size), keys[i]
        assert _quat_close(ours["geom_quat"][i], model.body_iquat[b]), keys[i]
        assert _close(ours["geom_inertia"][i], model.body_inertia[b], 0.0), keys[i]
        # the per-unit-density principal inertia gives the same to rounding
        assert _close(mass / ours["volume"][i] * ours["inertia"][i], model.body_inertia[b], 0.0)
        worst = np.maximum(worst, [
            abs(mass - model.body_mass[b]) / model.body_mass[b],
            np.max(np.abs(ours["geom_pos"][i] - model.body_ipos[b])) / size,
            min(np.max(np.abs(ours["geom_quat"][i] - model.body_iquat[b])),
                np.max(np.abs(ours["geom_quat"][i] + model.body_iquat[b]))),
            np.max(np.abs(ours["geom_inertia"][i] - model.body_inertia[b])) /
            np.max(np.abs(model.body_inertia[b]))])
    print("\nbody_mass / ipos / iquat / inertia max rel: " + " ".join(f"{w:.2e}" for w in worst))


def _variants():
    """Non-default settings on a few real meshes: every inertia mode, refpos/refquat, a
    left-handed and a non-uniform scale."""
    files = sorted({k[0] for k in _collect()})[:: 12]
    out = []
    for j, f in enumerate(files):
        for mode in (0, 1, 2, 3):
            scale = [(1.0, 1.0, 1.0), (1.0, 1.0, -1.0), (0.9, 1.1, 1.0), (2.0, 2.0, 2.0)][(j + mode) % 4]
            refpos = (0.0, 0.0, 0.0) if mode % 2 else (0.01, -0.02, 0.03)
            refquat = (1.0, 0.0, 0.0, 0.0) if mode == 2 else (0.9, 0.1, -0.3, 0.2)
            out.append((f, scale, mode, refpos, refquat))
    return out


def test_modes_and_errors(tmp_path):
    """Every inertia mode with refpos/refquat on a sample of meshes, each compiled alone in
    MuJoCo so its errors (e.g. inconsistent orientation under 'exact') can be compared too."""
    keys = _variants()
    ours = _run_tool(keys, str(tmp_path))
    errors = dict(line.split(" ", 1) for line in ours["errors"].splitlines())
    counts = {"ok": 0, "both failed": 0}
    for i, key in enumerate(keys):
        try:
            model = _compile(_mjcf([key]))
        except ValueError as e:
            assert str(i) in errors, f"MuJoCo fails, Sinew does not: {key}: {e}"
            # same error class: compare the distinctive part of MuJoCo's message
            theirs = str(e).split("\n")[0]
            mine = errors[str(i)]
            core = theirs.replace("Error: ", "").split(":")[0].split(". Please")[0]
            core = core.replace("faces of mesh 'm0' have", "faces of mesh have")
            assert core.split("'")[0] in mine, (mine, theirs)
            counts["both failed"] += 1
            continue
        assert str(i) not in errors, f"Sinew fails, MuJoCo does not: {key}: {errors.get(str(i))}"
        size = float(np.max(np.abs(model.mesh_vert)))
        assert _close(ours["pos"][i], model.mesh_pos[0], size), key
        assert _quat_close(ours["quat"][i], model.mesh_quat[0]), key
        assert _close(1000 * ours["volume"][i], model.body_mass[1], 0.0), key
        assert _close(ours["geom_inertia"][i], model.body_inertia[1], 0.0), key
        assert _close(ours["geom_pos"][i], model.body_ipos[1], size), key
        assert _quat_close(ours["geom_quat"][i], model.body_iquat[1]), key
        np.testing.assert_array_equal(ours["vert"].astype(np.float32)[
            sum(ours["vertnum"][:i]):sum(ours["vertnum"][:i + 1])].shape, model.mesh_vert.shape)
        counts["ok"] += 1
    print(f"\nvariants: {counts}")
