"""Sinew's MJCF compiler against MuJoCo 3.4.0, field by field.

For each model, the dump tool (path in $SINEW_MODEL_DUMP, built from tests/tools/sinew_model_dump.cpp)
writes every Model array as .npy; each one that mjModel also has (same name) must match: integer
fields exactly, real fields to rtol 1e-10 (atol 1e-12 for values that are zero in one and
round-off in the other). mesh_vert is float32 in mjModel and compared as float32. NaN must be NaN in both (MuJoCo's normal
of a zero-area mesh polygon).

body_iquat is compared directly too, even where a body's principal inertia is (nearly) isotropic
and its frame ill-defined: the compiler takes the same path as MuJoCo (a body with one massive geom
among massless ones copies that geom's frame; eig3 reproduces mju_eig3 otherwise).
"""
import os
import pathlib
import subprocess

import numpy as np
import pytest

import models_util

mujoco = pytest.importorskip("mujoco")

DUMP = os.environ.get("SINEW_MODEL_DUMP")
RTOL, ATOL = 1e-10, 1e-12
SIZES = ["nq", "nv", "nu", "na", "nbody", "njnt", "ngeom", "nsite", "nmesh", "nmeshvert", "nmeshface", "nmeshgraph", "nmeshpoly",
         "nmeshpolyvert", "nmeshpolymap", "nhfield",
         "nhfielddata",
         "nkey", "ntree", "nM", "ntendon", "neq", "npair", "nexclude", "nsensor"]


# springdamper="timeconst dampratio" on every joint type, from a default class and beside a
# given stiffness/damping (replaced): jnt_stiffness and dof_damping from dof_invweight0
SPRINGDAMPER = """<mujoco model="springdamper">
  <default><joint springdamper="0.2 0.7"/><default class="slow"><joint springdamper="1 1.5"/></default></default>
  <worldbody>
    <body name="a"><joint name="hinge" axis="0 1 0" stiffness="3" damping="2"/><geom size="0.05" fromto="0 0 0 0 0 -0.3" type="capsule"/>
      <body name="b" pos="0 0 -0.3"><joint name="slide" type="slide" class="slow"/><geom size="0.04"/>
        <body name="c" pos="0 0 -0.1"><joint name="ball" type="ball" springdamper="0.05 0.3" armature="0.01"/>
          <geom type="box" size="0.02 0.03 0.05"/></body></body></body>
    <body name="free" pos="1 0 0"><joint type="free" springdamper="0.5 1"/><geom type="ellipsoid" size="0.1 0.2 0.3"/></body>
    <body name="plain" pos="2 0 0"><joint name="plain" springdamper="0 0" damping="0.4"/><geom size="0.1"/></body>
  </worldbody>
</mujoco>"""


# 30 points on an ellipsoid (numpy's default_rng(5)), 4 decimals
PEBBLE = ("-0.0256 -0.0338 -0.0055  0.0173 0.0374 0.0032  -0.0227 -0.0258 0.0215  0.0396 0.0053 -0.0209  "
          "-0.0255 0.0341 0.0038  -0.0415 -0.0016 -0.0195  -0.0294 -0.0183 -0.0234  0.0341 -0.0031 -0.0254  "
          "0.0109 0.0176 -0.0305  -0.0125 -0.0381 -0.0059  -0.0500 0.0006 -0.0010  -0.0131 -0.0361 -0.0119  "
          "-0.0311 -0.0309 0.0045  -0.0314 0.0265 0.0142  -0.0435 0.0047 -0.0168  0.0008 0.0009 -0.0350  "
          "-0.0114 -0.0100 0.0329  -0.0333 0.0166 -0.0217  -0.0097 -0.0197 0.0297  0.0110 0.0377 0.0087  "
          "0.0316 0.0251 -0.0159  -0.0025 0.0383 -0.0098  0.0148 -0.0013 0.0334  -0.0393 -0.0131 0.0183  "
          "0.0041 -0.0277 0.0251  -0.0297 -0.0220 -0.0205  0.0341 -0.0102 -0.0240  -0.0354 0.0105 -0.0230  "
          "-0.0344 0.0133 -0.0226  -0.0293 -0.0005 -0.0283")


def write_png(path, px, ctype, depth, palette=None):
    """A minimal PNG writer (zlib, filter 0): px is height x width x channels of integers."""
    import struct
    import zlib
    h, w, _ = px.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)

    raw = b""
    for row in px:
        flat = row.reshape(-1)
        if depth < 8:
            bits = "".join(format(int(v), f"0{depth}b") for v in flat)
            bits += "0" * (-len(bits) % 8)
            line = bytes(int(bits[k:k + 8], 2) for k in range(0, len(bits), 8))
        elif depth == 16:
            line = b"".join(struct.pack(">H", int(v)) for v in flat)
        else:
            line = bytes(int(v) for v in flat)
        raw += b"\0" + line
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
    if palette is not None:
        data += chunk(b"PLTE", bytes(int(v) for v in palette.reshape(-1)))
    data += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(data)


@pytest.fixture(scope="session")
def paths(tmp_path_factory):
    d = tmp_path_factory.mktemp("wrappers")
    out = models_util.model_paths(d)
    (d / "springdamper.xml").write_text(SPRINGDAMPER)
    out["springdamper"] = str(d / "springdamper.xml")
    # height fields: elevation in the XML (rows listed top to bottom) and MuJoCo's binary file
    import numpy as np
    z = (np.arange(12, dtype=np.float32).reshape(3, 4) * 0.37) % 1.3
    with open(d / "terrain.bin", "wb") as f:
        f.write(np.array([3, 4], np.int32).tobytes())
        f.write(z.tobytes())
    (d / "hfield.xml").write_text(
        '<mujoco><asset><hfield name="a" nrow="3" ncol="2" size="1 2 0.3 0.1" elevation="1 2 3 4 5 6.5"/>'
        '<hfield name="b" nrow="2" ncol="2" size="1 1 1 1"/><hfield file="terrain.bin" size="0.5 0.5 0.2 0.1"/>'
        '</asset><worldbody><geom type="hfield" hfield="a"/><geom type="hfield" hfield="b" pos="3 0 0"/>'
        '<geom type="hfield" hfield="terrain" pos="0 3 0"/><body pos="0 0 1"><freejoint/><geom size="0.1"/></body>'
        '</worldbody></mujoco>')
    out["hfield"] = str(d / "hfield.xml")
    # PNG height fields (mjCHField::LoadPNG, lodepng to 8-bit grey): every colour type and depth
    # lodepng converts (grey 1/2/4/8/16 bits, RGB, palette, grey+alpha, RGBA, Adam7 interlaced
    # is not written here), by content_type and by extension
    pngs = []
    rng = np.random.default_rng(2)
    for i, (ctype, depth) in enumerate([(0, 8), (0, 16), (0, 1), (0, 2), (0, 4), (2, 8), (3, 8), (4, 8), (6, 8),
                                        (2, 16)]):
        h, w = 5 + i % 3, 7 + i % 4
        chans = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
        top = (1 << depth) - 1 if ctype != 3 else 5
        px = rng.integers(0, top + 1, (h, w, chans))
        name = f"img{i}.png" if i % 2 == 0 else f"img{i}.dat"
        write_png(d / name, px, ctype, depth, palette=rng.integers(0, 256, (6, 3)) if ctype == 3 else None)
        pngs.append(name)
    (d / "png.xml").write_text(
        '<mujoco><asset>' + "".join(
            f'<hfield name="p{i}" file="{n}" size="1 1 0.2 0.1"' + ('' if n.endswith(".png") else
                                                                     ' content_type="image/png"') + '/>'
            for i, n in enumerate(pngs)) + '</asset><worldbody>' +
        "".join(f'<geom type="hfield" hfield="p{i}" pos="{3 * i} 0 0"/>' for i in range(len(pngs))) +
        '<body pos="0 0 1"><freejoint/><geom size="0.1"/></body></worldbody></mujoco>')
    out["png"] = str(d / "png.xml")
    # mesh hull graphs (mesh_graph): built for collision geoms, for an explicit pair of geoms that
    # cannot otherwise collide, for convex inertia and for meshes without faces, not for a
    # visual-only mesh with faces; maxhullvert
    # (qhull's TA option); inline vertices (read as float, as MuJoCo)
    (d / "meshes.xml").write_text(
        '<mujoco><asset><mesh name="pebble" vertex="' + PEBBLE + '"/>'
        '<mesh name="few" maxhullvert="8" vertex="' + PEBBLE + '"/>'
        '<mesh name="visual" vertex="0 0 0  0.1 0 0  0 0.1 0  0 0 0.1" face="0 2 1  0 1 3  0 3 2  1 2 3"/>'
        '<mesh name="paired" vertex="' + PEBBLE + '" scale="1 2 1"/>'
        '<mesh name="convex" inertia="convex" vertex="' + PEBBLE + '" scale="1 1 3"/></asset>'
        '<worldbody><geom type="plane" size="1 1 1"/>'
        '<body pos="0 0 0.1"><freejoint/><geom type="mesh" mesh="pebble"/></body>'
        '<body pos="0.2 0 0.1"><freejoint/><geom type="mesh" mesh="few"/></body>'
        '<body pos="0.4 0 0.1"><freejoint/><geom type="mesh" mesh="visual" contype="0" conaffinity="0"/></body>'
        '<body pos="0.6 0 0.1"><freejoint/><geom name="p" type="mesh" mesh="paired" contype="0" conaffinity="0"/></body>'
        '<body pos="0.8 0 0.1"><freejoint/><geom type="mesh" mesh="convex" contype="0" conaffinity="0"/></body>'
        '</worldbody><contact><pair geom1="p" geom2="p2"/></contact>'
        '<worldbody><body pos="1 0 0.1"><freejoint/><geom name="p2" size="0.05"/></body></worldbody></mujoco>')
    out["meshes"] = str(d / "meshes.xml")
    # MyoSuite's scene: meshes in MuJoCo's legacy binary .msh format
    out["myosuite_scene"] = str(models_util.myo_sim_models_dir() / "scene" / "myosuite_scene.xml")
    return out


MODELS = ["myofullbody", "bimanual", "myolegs_osl", "myoelbow_exo", "myoarm", "myolegs", "springdamper",
          "myosuite_scene", "hfield", "png", "meshes"]


@pytest.mark.parametrize("name", MODELS)
def test_model_matches_mujoco(name, paths, tmp_path):
    if not DUMP:
        pytest.skip("set SINEW_MODEL_DUMP to the built sinew_model_dump tool to run the compiler comparison")
    path = paths[name]
    out = tmp_path / "dump"
    r = subprocess.run([DUMP, path, str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    m = mujoco.MjModel.from_xml_path(path)

    sizes = dict(line.split() for line in (out / "sizes.txt").read_text().splitlines())
    bad = []
    for s in SIZES:
        if int(sizes[s]) != getattr(m, s):
            bad.append(f"{s}: sinew {sizes[s]} mujoco {getattr(m, s)}")
    assert not bad, "\n".join(bad)

    compared = 0
    for f in sorted(out.glob("*.npy")):
        field = f.stem
        if not hasattr(m, field):
            continue
        ours = np.load(f)
        theirs = np.asarray(getattr(m, field))
        if theirs.size != ours.size:
            bad.append(f"{field}: size {ours.size} vs mujoco {theirs.size}")
            continue
        ours = ours.reshape(theirs.shape)
        compared += 1
        if np.issubdtype(theirs.dtype, np.integer) or theirs.dtype == np.uint8:
            diff = np.nonzero(ours.astype(np.int64) != theirs.astype(np.int64))
            if diff[0].size:
                i = tuple(d[0] for d in diff)
                bad.append(f"{field}: {diff[0].size} mismatches, first at {i}: sinew {ours[i]} mujoco {theirs[i]}")
        else:
            if theirs.dtype == np.float32:
                ours = ours.astype(np.float32).astype(np.float64)
            theirs = theirs.astype(np.float64)
            # NaN where MuJoCo has NaN: mesh_polynormal of a degenerate (zero-area) polygon, which
            # MuJoCo's mjuu_makenormal divides by its zero norm
            ok = np.isclose(ours, theirs, rtol=RTOL, atol=ATOL, equal_nan=True)
            if not ok.all():
                idx = np.argwhere(~ok)
                i = tuple(idx[0])
                err = np.max(np.abs(ours - theirs))
                bad.append(f"{field}: {len(idx)} mismatches, first at {i}: sinew {ours[i]!r} mujoco {theirs[i]!r} "
                           f"(max abs err {err:.3g})")
    assert compared > 40
    if name == "hfield":  # normalized elevations, rows flipped: compared above (hfield_data)
        assert m.nhfielddata == 6 + 4 + 12
    if name == "springdamper":  # the computed values are there, not the given ones
        assert m.jnt_stiffness[0] != 3 and m.dof_damping[0] != 2 and m.jnt_stiffness[4] == 0
    assert not bad, f"{name}: " + "\n".join(bad)


def test_png_hfield_errors(tmp_path):
    """Bad PNG height fields are load errors naming the file and the XML line: a truncated image,
    a file that is not a PNG, and a header declaring more than 2^27 pixels (refused before
    anything is allocated for them)."""
    if not DUMP:
        pytest.skip("set SINEW_MODEL_DUMP to the built sinew_model_dump tool")
    import struct
    import zlib
    rng = np.random.default_rng(0)
    write_png(tmp_path / "ok.png", rng.integers(0, 256, (4, 5, 1)), 0, 8)
    good = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(good[:len(good) - 20])
    (tmp_path / "text.png").write_text("not an image")
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
    (tmp_path / "huge.png").write_bytes(good[:8] + struct.pack(">I", 13) + b"IHDR" + ihdr +
                                        struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xffffffff) + good[33:])
    for name, msg in [("cut.png", "error decoding PNG file"), ("text.png", "not a PNG file"),
                      ("huge.png", "100000x100000 pixels")]:
        xml = tmp_path / f"{name}.xml"
        xml.write_text(f'<mujoco>\n<asset>\n<hfield file="{name}" size="1 1 1 1"/>\n</asset>\n'
                       '<worldbody><geom type="hfield" hfield="' + name[:-4] + '"/></worldbody></mujoco>')
        r = subprocess.run([DUMP, str(xml), str(tmp_path / "out")], capture_output=True, text=True)
        assert r.returncode != 0
        assert msg in r.stderr and name in r.stderr and f"{name}.xml:3" in r.stderr, r.stderr


DM_SUITE = pathlib.Path(__file__).resolve().parents[1] / ".models" / "dm_control-1.0.36" / "suite"


def _sameframe_models():
    out = sorted(DM_SUITE.glob("*.xml"))
    try:
        import musclemimic_models
        out += [pathlib.Path(str(musclemimic_models.get_xml_path(n))) for n in ("myofullbody", "bimanual")]
    except ImportError:
        pass
    return out


def test_sameframe_matches_mujoco(tmp_path):
    """body/geom/site_sameframe (which frames kinematics copies instead of composing: MuJoCo's 1e-6
    frame tests) equal mjModel's on DeepMind Control's suite and MuscleMimic's two models, every
    frame (the inertial frames they are tested against are MuJoCo's exactly: body_iquat above)."""
    if not DUMP:
        pytest.skip("set SINEW_MODEL_DUMP to the built sinew_model_dump tool")
    models = _sameframe_models()
    if len(models) < 10:
        pytest.skip("DeepMind Control's suite models are missing (run tests/setup.sh)")
    compared = 0
    copied = 0
    bad = []
    for path in models:
        m = mujoco.MjModel.from_xml_path(str(path))
        out = tmp_path / path.stem
        r = subprocess.run([DUMP, str(path), str(out)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        for field in ("body_sameframe", "geom_sameframe", "site_sameframe"):
            ours = np.load(out / f"{field}.npy")
            theirs = np.asarray(getattr(m, field)).astype(np.int64)
            assert ours.shape == theirs.shape, (path.name, field)
            compared += ours.size
            copied += int((theirs != 0).sum())
            for i in np.nonzero(ours != theirs)[0]:
                bad.append(f"{path.name} {field}[{i}]: sinew {ours[i]} mujoco {theirs[i]}")
    print(f"sameframe: {compared} frames compared, {copied} of them copied by MuJoCo")
    assert not bad, "\n".join(bad)
    assert compared > 2000 and copied > 500
