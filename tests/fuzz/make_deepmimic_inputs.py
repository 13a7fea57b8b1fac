"""Writes the seed corpus of fuzz_deepmimic (corpus/deepmimic/) and reproducers of the inputs
that broke the DeepMimic readers while they were written (crashes/deepmimic/). The seeds are
made here (a humanoid with DeepMimic's joint tree, synthetic clips), never copied from pybullet.
Run once; the files are kept in the repository.

    python3 tests/fuzz/make_deepmimic_inputs.py
"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
LAYOUT = [("chest", 4), ("neck", 4), ("right_hip", 4), ("right_knee", 1), ("right_ankle", 4), ("right_shoulder", 4),
          ("right_elbow", 1), ("left_hip", 4), ("left_knee", 1), ("left_ankle", 4), ("left_shoulder", 4), ("left_elbow", 1)]


def write(folder, name, text):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), "w") as f:
        f.write(text)


def frame(dt, t):
    f = [dt, 0.1 * t, 0.85, 0.0, math.cos(0.1 * t), 0.0, math.sin(0.1 * t), 0.0]
    for name, n in LAYOUT:
        if n == 1:
            f.append(0.5 * math.sin(t))
        else:
            a = 0.3 * math.sin(t + len(name))
            f += [math.cos(a / 2), math.sin(a / 2) * 0.6, 0.0, math.sin(a / 2) * 0.8]
    return [round(x, 6) for x in f]


def clip(dts, loop="wrap"):
    t = 0.0
    frames = []
    for dt in dts:
        frames.append(frame(dt, t))
        t += dt
    return json.dumps({"Loop": loop, "Frames": frames}, indent=None)


def urdf(rpy="0 0 0", knee="revolute"):
    joints = [("root", "fixed", "base", "0 0 0", ""), ("chest", "spherical", "root", "0 0.24 0", ""),
              ("neck", "spherical", "chest", "0 0.22 0", "")]
    for side, z in (("right", "0.085"), ("left", "-0.085")):
        joints += [(f"{side}_hip", "spherical", "root", f"0 0 {z}", ""),
                   (f"{side}_knee", knee, f"{side}_hip", "0 -0.42 0", '<axis xyz="0 0 1"/>'),
                   (f"{side}_ankle", "spherical", f"{side}_knee", "0 -0.41 0", ""),
                   (f"{side}_shoulder", "spherical", "chest", f"-0.02 0.24 {z}", ""),
                   (f"{side}_elbow", "revolute", f"{side}_shoulder", "0 -0.27 0", '<axis xyz="0 0 1"/>'),
                   (f"{side}_wrist", "fixed", f"{side}_elbow", "0 -0.26 0", "")]
    body = "\n".join(f'<joint name="{n}" type="{t}"><parent link="{p}"/><child link="{n}"/>'
                     f'<origin rpy="{rpy}" xyz="{xyz}"/>{extra}</joint>' for n, t, p, xyz, extra in joints)
    return f'<?xml version="1.0"?>\n<robot name="humanoid">\n{body}\n</robot>\n'


write("corpus/deepmimic", "walk_like.txt", clip([1 / 30] * 6 + [0]))
write("corpus/deepmimic", "uneven.txt", clip([1 / 60, 1 / 30, 1 / 60, 1 / 60, 0], "none"))
write("corpus/deepmimic", "two_frames.txt", clip([0.0625, 0]))
write("corpus/deepmimic", "humanoid.urdf", urdf())
write("corpus/deepmimic", "humanoid_rpy.urdf", urdf(rpy="0.1 -0.2 0.3"))
# reproducers: durations that would resample into 10^12 frames (found by reading the resampler
# for the fuzzer's sake, before the 4x bound), a zero quaternion, a truncated file, a URDF whose
# knee is spherical, a joint cycle
write("crashes/deepmimic", "uneven_1e12.txt", clip([1e-9, 1e-9, 1e3, 0]))
write("crashes/deepmimic", "huge_duration.txt", clip([1e300, 1e-300, 1e300, 0]))
write("crashes/deepmimic", "zero_quaternion.txt", clip([0.1, 0]).replace("[0.1, 0.0, 0.85, 0.0, 1.0, 0.0, 0.0, 0.0", "[0.1, 0.0, 0.85, 0.0, 0, 0, 0, 0"))
write("crashes/deepmimic", "truncated.txt", clip([0.1, 0.1, 0])[:200])
write("crashes/deepmimic", "spherical_knee.urdf", urdf(knee="spherical"))
write("crashes/deepmimic", "cycle.urdf", '<robot><joint name="a" type="fixed"><parent link="x"/><child link="y"/></joint>'
                                          '<joint name="b" type="fixed"><parent link="y"/><child link="x"/></joint></robot>')
print("wrote", HERE)
