"""Writes the seed corpus of fuzz_smplh (corpus/smplh): tiny SMPL-H-shaped body models and AMASS
sequences of our own (no SMPL-H data: its license forbids redistribution), in the dtypes the
real files use (float64 and float32 arrays, uint32 / uint64 / int64 kintree tables, compressed
and not). Run once; the files are kept in the repository.

    python3 tests/fuzz/make_smplh_inputs.py
"""
import io
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "smplh")


def body_model(nvert=4, njoint=3, nbeta=2, dtype=np.float64, ktype=np.uint32, seed=0):
    rng = np.random.default_rng(seed)
    parents = np.arange(-1, njoint - 1)
    kt = np.stack([parents, np.arange(njoint)])
    if np.dtype(ktype).kind == "u":
        kt = kt.astype(np.int64).astype(ktype)  # the root's -1 wraps, as in the real uint32 tables
    else:
        kt = kt.astype(ktype)
    reg = np.zeros((njoint, nvert))
    for j in range(njoint):
        reg[j, j % nvert] = 1.0
    return {"v_template": rng.normal(size=(nvert, 3)).astype(dtype),
            "shapedirs": (0.01 * rng.normal(size=(nvert, 3, nbeta))).astype(dtype),
            "J_regressor": reg.astype(dtype), "kintree_table": kt}


def sequence(nframe=3, njoint=3, dtype=np.float64, rate_key="mocap_framerate", seed=1):
    rng = np.random.default_rng(seed)
    return {"poses": (0.2 * rng.normal(size=(nframe, 3 * njoint))).astype(dtype),
            "trans": rng.normal(size=(nframe, 3)).astype(dtype), "betas": np.zeros(4, dtype),
            rate_key: np.array(60.0), "gender": np.array("neutral")}


KEYS = ["v_template", "shapedirs", "J_regressor", "kintree_table", "poses", "trans", "betas", "mocap_framerate",
        "mocap_frame_rate", "gender"]  # fuzz_smplh.cpp's kKeys


def write(name, arrays, compressed=False):
    """The arrays as a real .npz, and as fuzz_smplh's records (name.rec: no zip layer)."""
    os.makedirs(OUT, exist_ok=True)
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(buf.getvalue())
    rec = b""
    for k, v in arrays.items():
        b = io.BytesIO()
        np.save(b, v)
        rec += bytes([KEYS.index(k)]) + len(b.getvalue()).to_bytes(4, "little") + b.getvalue()
    with open(os.path.join(OUT, name[:-4] + ".rec"), "wb") as f:
        f.write(rec)


write("body_f64_u32.npz", body_model())
write("body_f32_u64.npz", body_model(dtype=np.float32, ktype=np.uint64))
write("body_i64_compressed.npz", body_model(nvert=6, njoint=5, nbeta=3, ktype=np.int64), compressed=True)
write("sequence_f64.npz", sequence())
write("sequence_f32_rate.npz", sequence(dtype=np.float32, rate_key="mocap_frame_rate"))
write("sequence_52_joints.npz", sequence(nframe=2, njoint=52), compressed=True)
write("both.npz", {**body_model(), **sequence()})
