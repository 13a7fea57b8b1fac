"""Writes the seed corpora of fuzz_bvh, fuzz_stl and fuzz_mjcf (corpus/bvh, corpus/stl,
corpus/mjcf): small files of our own (a BVH with every channel order, binary and ASCII STL
tetrahedra, this repository's models). Run once; the files are kept in the repository.

    python3 tests/fuzz/make_reader_inputs.py
"""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write(folder, name, data):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Chest
  {
    OFFSET 0 10 0
    CHANNELS 3 Xrotation Yrotation Zrotation
    End Site
    {
      OFFSET 0 5 0
    }
  }
  JOINT Leg
  {
    OFFSET 3 -1 0
    CHANNELS 3 Yrotation Zrotation Xrotation
    End Site
    {
      OFFSET 0 -8 0
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.0333333
0 90 0 0 0 0 10 20 30 -5 0 5
1 90 0 5 0 0 12 18 30 -4 1 5
2 91 0 10 0 0 14 16 30 -3 2 5
"""
write("corpus/bvh", "three_joints.bvh", BVH)
shutil.copy(os.path.join(ROOT, "tests", "retarget", "data", "arm_reach.bvh"), os.path.join(HERE, "corpus", "bvh"))

tet = [((0, 0, 0), (1, 0, 0), (0, 1, 0)), ((0, 0, 0), (0, 0, 1), (1, 0, 0)),
       ((0, 0, 0), (0, 1, 0), (0, 0, 1)), ((1, 0, 0), (0, 0, 1), (0, 1, 0))]
binary = b"tetrahedron".ljust(80, b" ") + struct.pack("<I", len(tet))
for t in tet:
    binary += struct.pack("<3f", 0, 0, 0) + b"".join(struct.pack("<3f", *v) for v in t) + b"\0\0"
write("corpus/stl", "tetra_binary.stl", binary)
ascii_stl = "solid tetra\n" + "".join(
    "facet normal 0 0 0\n outer loop\n" + "".join(f"  vertex {x} {y} {z}\n" for x, y, z in t) + " endloop\nendfacet\n"
    for t in tet) + "endsolid tetra\n"
write("corpus/stl", "tetra_ascii.stl", ascii_stl)
write("corpus/stl", "solid_binary.stl", b"solid but binary".ljust(80, b" ") + binary[80:])

os.makedirs(os.path.join(HERE, "corpus", "mjcf"), exist_ok=True)
for m in ("chain", "ball_chain", "free_bodies", "branched_tree", "skeleton", "arm"):
    shutil.copy(os.path.join(ROOT, "models", f"{m}.xml"), os.path.join(HERE, "corpus", "mjcf"))
print("wrote", HERE)
